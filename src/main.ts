import 'dotenv/config';
import { ClockError, processClock, processRandomBytes } from './clock';
import { ConfigError, loadConfig } from './config';
import { loadKeyring } from './crypto/keyring';
import { openMigratedDatabase } from './db';
import { FlowDefinitionError } from './flows/loadFlow';
import { createLogger } from './logger';
import { createServer, EmptyDirectoryError } from './server';

/** `npm start`: validate configuration, migrate, load flows and directory, serve. */
async function main() {
  let config;
  let clock;
  let randomBytes;
  try {
    config = loadConfig();
    clock = processClock();
    randomBytes = processRandomBytes();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ClockError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.LOG_LEVEL });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => logger.fatal({ err }, 'uncaught exception'));

  const keyring = loadKeyring(config, logger);
  const prisma = await openMigratedDatabase(config.DATABASE_URL);
  const server = await createServer({ config, logger, keyring, prisma, clock, randomBytes });
  await server.warnings();
  server.startPurge();
  await server.channels.start();
  await server.purge();
  const http = server.app.listen(config.PORT, config.HOST, () => {
    const port = (http.address() as { port: number }).port;
    logger.info({ port, simulator: config.NODE_ENV !== 'production' }, `Passerelle listening on http://localhost:${port}`);
    if (config.NODE_ENV !== 'production') process.stdout.write(`\n  Simulator: http://localhost:${port}/simulator/\n  Health:    http://localhost:${port}/healthz\n\n`);
  });
  http.keepAliveTimeout = 65_000;
  let stopping = false;
  const stop = () => {
    // A second signal, or a close that fails or hangs, still ends the process.
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('shutting down');
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close(http).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  if (err instanceof FlowDefinitionError || err instanceof EmptyDirectoryError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Passerelle could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
