/**
 * The baseline for `npm run bench`: a bare Express server that parses the same
 * urlencoded USSD form as Passerelle's webhook and always answers `CON hello`.
 * It listens on 127.0.0.1:$PORT only.
 */
import express from 'express';

const port = Number(process.env.PORT ?? 3001);
const host = process.env.HOST ?? '127.0.0.1';

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/webhooks/africastalking/ussd', express.urlencoded({ extended: false, limit: '16kb' }), (req, res) => {
  // Touch the parsed form so the parse cannot be skipped.
  const form = (req.body ?? {}) as Record<string, unknown>;
  if (typeof form.sessionId !== 'string') {
    res.status(400).type('text/plain').send('bad request');
    return;
  }
  res.status(200).type('text/plain').send('CON hello');
});

const server = app.listen(port, host, () => {
  process.stdout.write(`bare express listening on http://${host}:${port}\n`);
});
server.keepAliveTimeout = 65_000;

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
