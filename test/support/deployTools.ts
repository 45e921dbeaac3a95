import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** Test helpers for the files of deploy/: systemd's and nginx's own checks (Debian packages `systemd`, `nginx`). */
export const run = promisify(execFile);
export const DEPLOY = path.join(__dirname, '..', '..', 'deploy');

/** A self-signed certificate for `name` in `dir` (openssl), as Let's Encrypt's files are named. */
export async function selfSignedCertificate(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert]);
  return { cert, key };
}

/** The main nginx.conf of a test instance of nginx in `dir` (its own pid, logs and temp folders) including `site`. */
export function nginxMain(dir: string, site: string): string {
  for (const sub of ['logs', 'client_body', 'proxy']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const main = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    main,
    [
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'logs', 'error.log')};`,
      'worker_processes 1;',
      'events { worker_connections 64; }',
      'http {',
      `  client_body_temp_path ${path.join(dir, 'client_body')};`,
      `  proxy_temp_path ${path.join(dir, 'proxy')};`,
      `  access_log ${path.join(dir, 'logs', 'default.log')};`,
      `  include ${site};`,
      '}',
      '',
    ].join('\n'),
  );
  return main;
}
