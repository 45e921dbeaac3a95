import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it (every request, refused ones included). */
export interface PrimeroRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, as it came over the wire. */
  raw: string;
  /** `body.data` when the body was JSON with a data object. */
  data?: Record<string, unknown>;
}

/**
 * How the fake answers one request, instead of its documented behaviour: a status (with a
 * Retry-After), or the case taken and then a 500 or no answer at all (an attempt that reached
 * Primero but whose answer never came back).
 */
export type PrimeroScript = { status: number; retryAfter?: string } | 'accept_then_500' | 'accept_then_hang';

export interface FakePrimeroOptions {
  username?: string;
  password?: string;
  /** The module ids this Primero has (module_id is an enum of them). */
  modules?: string[];
  /** The ids of `lookup-language`. */
  languages?: string[];
  /** Fields of the programme's own forms, beyond those of the default case forms. */
  extraFields?: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Primero v2's case creation, faked at the HTTP boundary on 127.0.0.1 from its API
 * documentation (doc/api/cases/post.md) and its error handler: HTTP Basic (401 without it),
 * `POST /api/v2/cases` with `{ data }` → 204 for a new client id (200 with the case without
 * one), 409 when the id exists, 422 `{ errors: [{ code, message, resource, detail: [pointers] }] }`
 * for a record that fails the JSON schema (unknown fields, wrong types or lookup values, a
 * missing or unknown module_id). Session logins (`/api/v2/tokens`) are counted, never needed.
 */
export class FakePrimero {
  readonly requests: PrimeroRequest[] = [];
  /** Cases created, by id. */
  readonly cases = new Map<string, Record<string, unknown>>();
  /** Answers to give instead of the documented behaviour, in order. */
  readonly script: PrimeroScript[] = [];
  private server?: http.Server;
  private readonly hanging: http.ServerResponse[] = [];
  readonly username: string;
  readonly password: string;
  private readonly modules: string[];
  private readonly languages: string[];
  private readonly fields: Record<string, (value: unknown) => string[]>;
  baseUrl = '';

  constructor(options: FakePrimeroOptions = {}) {
    this.username = options.username ?? 'passerelle-api';
    this.password = options.password ?? 'primero-api-password-0123';
    this.modules = options.modules ?? ['primeromodule-cp', 'primeromodule-gbv'];
    this.languages = options.languages ?? ['fr', 'en', 'wo', 'bm'];
    const boolean = (v: unknown) => (typeof v === 'boolean' ? [] : ['']);
    const text = (v: unknown) => (typeof v === 'string' || v === null ? [] : ['']);
    this.fields = {
      id: (v) => (typeof v === 'string' && UUID.test(v) ? [] : ['']),
      module_id: (v) => (typeof v === 'string' && this.modules.includes(v) ? [] : ['']),
      consent_for_services: boolean,
      disclosure_other_orgs: boolean,
      hidden_name: boolean,
      registration_date: (v) => (v === null || (typeof v === 'string' && DATE.test(v)) ? [] : ['']),
      // A multi-select of lookup-language: an array of its ids.
      language: (v) => (v === null ? [] : Array.isArray(v) ? v.flatMap((item, i) => (typeof item === 'string' && this.languages.includes(item) ? [] : [`/${i}`])) : ['']),
      telephone_current: text,
      ...Object.fromEntries((options.extraFields ?? []).map((f) => [f, text])),
    };
  }

  /** The cases endpoint's URL is `${url}/api/v2/cases`. */
  get url(): string {
    return this.baseUrl;
  }

  /** The `data` of every case-creation request received (retries included). */
  get received(): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.path === '/api/v2/cases' && r.data).map((r) => r.data!);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => this.answer(req, res, raw));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const path = (req.url ?? '').split('?')[0];
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const data = body && typeof body === 'object' && 'data' in body && typeof body.data === 'object' && body.data ? (body.data as Record<string, unknown>) : undefined;
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, raw, data });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(value));
    const error = (status: number, message: string, detail?: unknown) => json(status, { errors: [{ code: status, resource: path, message, ...(detail === undefined ? {} : { detail }) }] });

    if (path === '/api/v2/tokens') {
      // The session login: Primero logs the user's other sessions out. An adapter must never come here.
      error(404, 'Not Found');
      return;
    }
    if (req.headers.authorization !== `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`) {
      json(401, { error: 'You need to sign in or sign up before continuing.' });
      return;
    }
    if (path !== '/api/v2/cases' || req.method !== 'POST') {
      error(404, 'Not Found');
      return;
    }
    const scripted = this.script.shift();
    if (typeof scripted === 'object') {
      const headers: Record<string, string> = scripted.retryAfter ? { 'Retry-After': scripted.retryAfter } : {};
      // A redirect points elsewhere on this server, where a client that follows it would land (and be seen).
      if (scripted.status >= 300 && scripted.status < 400) headers.Location = '/elsewhere';
      json(scripted.status, { errors: [{ code: scripted.status, resource: path, message: 'Scripted' }] }, headers);
      return;
    }
    if (!data) {
      error(422, 'param is missing or the value is empty: data');
      return;
    }
    const pointers = Object.entries(data).flatMap(([name, value]) => {
      const check = this.fields[name];
      return check ? check(value).map((suffix) => `/${name}${suffix}`) : [`/${name}`];
    });
    // Without a module, no field is permitted (Primero checks the fields a role may write per module).
    if (!('module_id' in data)) pointers.push('/module_id');
    if (pointers.length > 0) {
      error(422, 'Invalid Record JSON', pointers);
      return;
    }
    const id = typeof data.id === 'string' ? data.id : crypto.randomUUID();
    if (this.cases.has(id)) {
      error(409, 'Conflict: A record with this id already exists');
      return;
    }
    this.cases.set(id, data);
    if (scripted === 'accept_then_500') {
      error(500, 'Internal Server Error');
      return;
    }
    if (scripted === 'accept_then_hang') {
      this.hanging.push(res);
      return;
    }
    if (typeof data.id === 'string') res.writeHead(204).end();
    else json(200, { data: { ...data, id, case_id_display: id.slice(0, 7) } });
  }
}
