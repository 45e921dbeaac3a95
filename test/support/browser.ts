import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import type { Express } from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, sandbox-less (containers), and quiet: no update checks or other background traffic. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Whether the browser binary is there; browser tests can skip with a clear reason otherwise. */
export function browserAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

/**
 * The environment without faketime's preload: the suite may run with the clock moved
 * (`faketime '+1y' npm test`), and Chromium (or apt) under it crashes or stalls. The
 * server under test keeps its injected clock; the browser needs none.
 */
export function withoutFakeTime(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name.startsWith('FAKETIME') || name === 'DONT_FAKE_MONOTONIC') continue;
    if (name === 'LD_PRELOAD') {
      const kept = value.split(/[:\s]+/).filter((lib) => lib && !lib.includes('faketime'));
      if (kept.length > 0) out[name] = kept.join(':');
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** Launches the shared headless Chromium configuration used by every browser test. */
export async function launchBrowser(): Promise<Browser> {
  if (!browserAvailable()) {
    // The test run's global setup installs Chromium or stops with one line first; this is for a lone file run another way.
    throw new Error(`no browser at ${CHROMIUM_PATH}: run "apt-get install -y chromium" or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, env: withoutFakeTime(process.env) });
}

export interface Listening {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

/** Serves an Express app on a free loopback port (for a browser or a child process to reach). */
export async function listen(app: Express): Promise<Listening> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections of a browser would hold the close open.
        server.closeAllConnections();
      }),
  };
}

/** One page load's weight as the browser measured it: headers and body of the document. */
export interface DocumentWeight {
  page: string;
  bytes: number;
}

/** Records the weight of every document `page` loads, in order (no other resource is loaded by the console). */
export function recordDocumentWeights(page: Page): DocumentWeight[] {
  const weights: DocumentWeight[] = [];
  page.on('requestfinished', async (req) => {
    if (req.resourceType() !== 'document') return;
    const sizes = await req.sizes();
    weights.push({ page: `${req.method()} ${new URL(req.url()).pathname}`, bytes: sizes.responseHeadersSize + sizes.responseBodySize });
  });
  return weights;
}
