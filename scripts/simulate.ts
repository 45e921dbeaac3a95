/**
 * Terminal USSD simulator: plays Africa's Talking against a running Passerelle.
 * With `--sms`, plays Twilio instead: each line is one SMS, signed by the server's
 * development helper and posted to /webhooks/twilio/sms; the TwiML reply is printed.
 *
 *   npm run simulate -- [--url http://localhost:3000] [--phone +221770000001] [--code '*384*123#']
 *   printf '1\n2\n' | npm run simulate
 *   printf 'Bonjour\n1\n' | npm run simulate -- --sms
 *
 * Screens go to stdout, everything else (banner, errors) to stderr. Each answer is
 * appended to the path and the whole path is posted on every hop, as the provider does.
 * The session ends on an END screen, at end of input (Ctrl+D) or on Ctrl+C.
 * Development only: use fictional numbers.
 */
import crypto from 'node:crypto';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run simulate -- [options]

Options:
  --url URL       Passerelle's base URL (default: $PASSERELLE_URL or http://localhost:3000)
  --phone NUMBER  fictional phone number to simulate (default: +221770000001)
  --code CODE     USSD service code (default: the server's /simulator/config.json, else *384*123#)
  --network CODE  network code sent with each hop (default: 60801)
  --sms           text the Twilio SMS endpoint instead of dialling USSD (development server)
  -h, --help      show this help

Answers are read from stdin, one per line; stdin may be piped.
If the server requires AT_WEBHOOK_SECRET, set it in the environment.`;

const MAX_LENGTH = 182;
const DEFAULT_CODE = '*384*123#';
const TIMEOUT_MS = 15_000;

class ExitError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface Options {
  baseUrl: URL;
  phone: string;
  code?: string;
  network: string;
  secret?: string;
  sms: boolean;
}

function parseOptions(argv: string[]): Options | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        phone: { type: 'string' },
        code: { type: 'string' },
        network: { type: 'string' },
        sms: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ExitError(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  if (values.help) return null;
  const raw = values.url ?? process.env.PASSERELLE_URL ?? 'http://localhost:3000';
  let baseUrl: URL;
  try {
    baseUrl = new URL(raw.endsWith('/') ? raw : `${raw}/`);
  } catch {
    throw new ExitError(`--url: "${raw}" is not a URL (e.g. http://localhost:3000)`, 2);
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') throw new ExitError('--url: must start with http:// or https://', 2);
  const phone = (values.phone ?? '+221770000001').replace(/[\s-]/g, '');
  if (!/^\+?[1-9][0-9]{5,14}$/.test(phone)) throw new ExitError('--phone: must be an international number such as +221770000001', 2);
  return { baseUrl, phone, code: values.code, network: values.network ?? '60801', secret: process.env.AT_WEBHOOK_SECRET || undefined, sms: Boolean(values.sms) };
}

/** A fetch that turns "nobody is listening" into a clear message. */
async function request(url: URL, init: RequestInit, base: URL): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = describeCause(err);
    throw new ExitError(`Cannot reach Passerelle at ${base.origin} (${cause}). Is the server running? Start it with "npm start", or pass --url.`);
  }
}

function describeCause(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (e.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message ?? 'unknown error';
}

/** The server's service code, when the simulator config is served (it is off in production). */
async function serverServiceCode(base: URL): Promise<string> {
  const res = await request(new URL('simulator/config.json', base), { headers: { accept: 'application/json' } }, base);
  if (!res.ok) return DEFAULT_CODE;
  const config = (await res.json().catch(() => null)) as { serviceCode?: unknown } | null;
  return typeof config?.serviceCode === 'string' ? config.serviceCode : DEFAULT_CODE;
}

type Screen = { end: boolean; text: string; length: number };

class Session {
  readonly id = `ATUid_sim_${crypto.randomBytes(12).toString('hex')}`;
  readonly path: string[] = [];
  private readonly endpoint: URL;

  constructor(
    private readonly options: Options,
    private readonly serviceCode: string,
  ) {
    this.endpoint = new URL('webhooks/africastalking/ussd', options.baseUrl);
    if (options.secret) this.endpoint.searchParams.set('secret', options.secret);
  }

  async hop(): Promise<Screen> {
    const form = new URLSearchParams({
      sessionId: this.id,
      serviceCode: this.serviceCode,
      phoneNumber: this.options.phone,
      networkCode: this.options.network,
      text: this.path.join('*'),
    });
    const res = await request(this.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, this.options.baseUrl);
    const body = await res.text();
    if (!res.ok) throw new ExitError(`The server answered HTTP ${res.status}: ${body.slice(0, 300)}`);
    if (body.startsWith('CON ')) return { end: false, text: body.slice(4), length: body.length };
    if (body.startsWith('END ')) return { end: true, text: body.slice(4), length: body.length };
    throw new ExitError(`Unexpected reply (neither "CON " nor "END "): ${body.slice(0, 300)}`);
  }
}

/** One SMS to the Twilio endpoint, signed by the development helper; returns the reply's text. */
async function textTwilio(options: Options, body: string): Promise<string> {
  const path = '/webhooks/twilio/sms';
  const sid = `SM${crypto.randomBytes(16).toString('hex')}`;
  const params = {
    MessageSid: sid,
    SmsSid: sid,
    SmsMessageSid: sid,
    AccountSid: `AC${'0'.repeat(32)}`,
    From: options.phone,
    To: '+221338000000',
    Body: body,
    NumMedia: '0',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
  };
  const signing = await request(
    new URL('simulator/twilio/sign', options.baseUrl),
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path, params }) },
    options.baseUrl,
  );
  if (!signing.ok) throw new ExitError(`The server does not sign simulator requests (HTTP ${signing.status}): is it a development server with the Twilio channel on?`);
  const { signature } = (await signing.json()) as { signature: string };
  const res = await request(
    new URL(path.slice(1), options.baseUrl),
    { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(params).toString() },
    options.baseUrl,
  );
  const xml = await res.text();
  if (!res.ok) throw new ExitError(`The server answered HTTP ${res.status}: ${xml.slice(0, 300)}`);
  const match = /<Message[^>]*>([\s\S]*)<\/Message>/.exec(xml);
  return (match?.[1] ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function printScreen(screen: Screen): void {
  const rule = '─'.repeat(32);
  const over = screen.length > MAX_LENGTH ? '  TOO LONG' : '';
  process.stdout.write(`${rule}\n${screen.text}\n${rule} ${screen.end ? 'END' : 'CON'} ${screen.length}/${MAX_LENGTH}${over}\n`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const interactive = Boolean(process.stdin.isTTY);
  // Created before anything is awaited so that piped lines are queued, not lost.
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  const lines = rl[Symbol.asyncIterator]();
  let interrupted = false;
  rl.on('SIGINT', () => {
    interrupted = true;
    rl.close();
  });
  try {
    if (options.sms) {
      process.stderr.write(
        `Passerelle SMS simulator (development only; numbers are fictional)\nTexting from ${options.phone} at ${options.baseUrl.origin}. One line, one SMS; Ctrl+D or Ctrl+C stops.\n`,
      );
      for (;;) {
        rl.setPrompt('> ');
        rl.prompt();
        const next = await lines.next();
        if (next.done) {
          process.stdout.write('\n');
          return 0;
        }
        const line = next.value.trim();
        if (!interactive) process.stdout.write(`${line}\n`);
        const reply = await textTwilio(options, line);
        const rule = '─'.repeat(32);
        process.stdout.write(`${rule}\n${reply}\n${rule} SMS ${reply.length} characters\n`);
      }
    }
    const serviceCode = options.code ?? (await serverServiceCode(options.baseUrl));
    process.stderr.write(
      `Passerelle USSD simulator (development only; numbers are fictional)\n` +
        `Dialling ${serviceCode} from ${options.phone} at ${options.baseUrl.origin}. Type an answer and Enter; ` +
        `Ctrl+D or Ctrl+C hangs up.\n`,
    );
    const session = new Session(options, serviceCode);
    for (;;) {
      const screen = await session.hop();
      printScreen(screen);
      if (screen.end) return 0;
      let answer: string | undefined;
      while (answer === undefined) {
        rl.setPrompt('> ');
        rl.prompt();
        const next = await lines.next();
        if (next.done) {
          process.stdout.write('\n');
          process.stderr.write(interrupted ? 'Cancelled: session ended locally.\n' : 'End of input: session ended locally.\n');
          return 0;
        }
        const line = next.value.trim();
        if (!interactive) process.stdout.write(`${line}\n`); // piped input is not echoed: show it
        if (line !== '') answer = line;
      }
      session.path.push(answer);
    }
  } finally {
    rl.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ExitError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.code;
    } else {
      process.stderr.write(`simulate: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
