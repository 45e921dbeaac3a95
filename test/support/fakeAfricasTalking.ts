import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sendResponse from '../fixtures/africastalking/sms-send-response.json';

/** One SMS as the fake API received it. */
export interface SentSms {
  username: string;
  to: string;
  message: string;
  from?: string;
  apiKey?: string;
}

/** How the fake answers one request: an HTTP status, and the recipient's status code. */
export type FakeAnswer = { http: number; statusCode?: number; status?: string } | 'drop';

/**
 * Africa's Talking's SMS API, faked at the HTTP boundary on 127.0.0.1:
 * `POST /version1/messaging` answers like the real one (201 and
 * `SMSMessageData.Recipients[...]`), or as scripted with `failNext`.
 */
export class FakeAfricasTalking {
  /** Every request received, including failed ones (what the outbox tried). */
  readonly requests: SentSms[] = [];
  /** Messages accepted (status 100–102). */
  readonly sent: SentSms[] = [];
  private readonly script: FakeAnswer[] = [];
  private server?: http.Server;
  baseUrl = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/version1/messaging') {
          res.writeHead(404).end();
          return;
        }
        const form = new URLSearchParams(body);
        const sms: SentSms = {
          username: form.get('username') ?? '',
          to: form.get('to') ?? '',
          message: form.get('message') ?? '',
          from: form.get('from') ?? undefined,
          apiKey: req.headers.apikey as string | undefined,
        };
        this.requests.push(sms);
        const answer = this.script.shift() ?? { http: 201, statusCode: 101, status: 'Success' };
        if (answer === 'drop') {
          req.socket.destroy();
          return;
        }
        if (answer.http >= 300) {
          res.writeHead(answer.http, { 'Content-Type': 'text/plain' }).end('The server failed');
          return;
        }
        const statusCode = answer.statusCode ?? 101;
        if (statusCode >= 100 && statusCode <= 102) this.sent.push(sms);
        const [template] = sendResponse.SMSMessageData.Recipients;
        const json = {
          SMSMessageData: {
            Message: statusCode <= 102 ? 'Sent to 1/1 Total Cost: XOF 15.0000' : 'Sent to 0/1 Total Cost: 0',
            Recipients: [{ ...template, number: sms.to, statusCode, status: answer.status ?? (statusCode <= 102 ? 'Success' : 'Failed') }],
          },
        };
        res.writeHead(answer.http, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answers the next requests as given, in order. */
  failNext(...answers: FakeAnswer[]): void {
    this.script.push(...answers);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
