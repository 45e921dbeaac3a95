'use strict';
// Preloaded (`node --require`) into the benchmark's server children: when the
// benchmark process goes away (its end of our stdin pipe closes), stop, so no
// server is left running. Inert unless PASSERELLE_BENCH_CHILD=1.
// Also inert in worker threads (the tsx loader runs one, with a stdin of its own).
if (process.env.PASSERELLE_BENCH_CHILD === '1' && require('node:worker_threads').isMainThread && !process.stdin.isTTY) {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Ask the server to shut down gracefully, then make sure it does.
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
