import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { HandoffRefused, HandoffRetry, HandoffRetryAt, type HandoffAdapter, type HandoffDelivery, type HandoffPayload } from './adapter';

export interface PrimeroAdapterOptions {
  /** Primero's origin and path prefix, if any (PRIMERO_URL). */
  url: string;
  /** The dedicated API user (HTTP Basic on every call). */
  username: string;
  password: string;
  /** The Primero module of each queue (`gbv` → `primeromodule-gbv`). */
  modules: Readonly<Record<string, string>>;
  /** The programme's own fields for the staff label and the queue; each is sent only when mapped. */
  fields?: Partial<Record<'label' | 'queue', string>>;
  /** The id of Primero's `lookup-language` for each language code; without it the code is sent as it is. */
  languages?: Readonly<Record<string, string>>;
  /** The deployment's time zone: `registration_date` is the day the person asked, there. */
  timeZone: string;
  /** Where the administrator is told that Primero refused the API user. */
  logger?: Pick<Logger, 'error' | 'warn' | 'info'>;
  clock?: () => Date;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The path cases are created at, under PRIMERO_URL. */
export const PRIMERO_CASES_PATH = '/api/v2/cases';

/**
 * The namespace of the case ids Passerelle gives Primero (a fixed random UUID): with the
 * hand-off id as the name, every retry of one hand-off sends the same case id, so Primero
 * answers 409 to a retry of a request it had already taken.
 */
const CASE_ID_NAMESPACE = '5b0e7c1a-3f4d-4a6e-9c2b-8d1f0a7e6c35';

/** The Primero case id of a hand-off: a UUID (version 5, RFC 9562) derived from its id, the same on every retry. */
export function primeroCaseId(handoffId: string): string {
  const namespace = Buffer.from(CASE_ID_NAMESPACE.replace(/-/g, ''), 'hex');
  const bytes = crypto.createHash('sha1').update(namespace).update(handoffId, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The calendar day of `at` in `timeZone`, as Primero's date fields take it (`2026-11-24`). */
export function dayIn(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** What Primero's answer means for the hand-off. */
type Answer = 'delivered' | 'already_there' | 'invalid' | 'credentials_refused' | 'unavailable' | 'retry';

/**
 * Primero's answers to `POST /api/v2/cases`, from its API documentation and error handler
 * (ErrorService): 204 for a case created with a client id (200 with the case without one),
 * 409 when a case with that id exists, 422 with the refused fields, 401 for refused
 * credentials, 403 for a user who may not create cases, 503 + Retry-After while Primero is
 * locked for a configuration update. Any other status is retried with backoff.
 */
const ANSWERS: Readonly<Record<number, Answer>> = {
  200: 'delivered',
  201: 'delivered',
  204: 'delivered',
  409: 'already_there',
  422: 'invalid',
  401: 'credentials_refused',
  403: 'credentials_refused',
  503: 'unavailable',
};

/** How Primero's answer with `status` is taken. */
export function answerFor(status: number): Answer {
  return ANSWERS[status] ?? (status >= 200 && status < 300 ? 'delivered' : 'retry');
}

/**
 * Primero's error body: `{ errors: [{ code, message, resource, detail }] }`, where `detail`
 * is a list of JSON pointers (`/language/0`) for a record that fails its JSON schema, or
 * one field name for a record that fails a model validation. Read for those alone: the
 * messages are never kept (they may quote what was sent).
 */
const ErrorBody = z.object({ errors: z.array(z.object({ detail: z.union([z.string(), z.array(z.unknown())]).nullish() }).passthrough()) });

/** A pointer kept only when it is nothing but field names and indexes (so it can hold no value). */
const POINTER = /^(\/[A-Za-z0-9_~.-]{1,64}){1,8}$/;

/** The JSON pointers of the fields Primero refused, at most 20; values are never kept. */
export function refusedPointers(body: string): string[] {
  let parsed: z.infer<typeof ErrorBody>;
  try {
    parsed = ErrorBody.parse(JSON.parse(body));
  } catch {
    return [];
  }
  const pointers = parsed.errors
    .flatMap((e) => (Array.isArray(e.detail) ? e.detail : e.detail ? [e.detail] : []))
    .filter((d): d is string => typeof d === 'string')
    .map((d) => (d.startsWith('/') ? d : `/${d}`))
    .filter((d) => POINTER.test(d));
  return [...new Set(pointers)].slice(0, 20);
}

/** When `Retry-After` (seconds, or an HTTP date) says to call again; undefined when it says nothing usable. */
export function retryAfter(header: string | null, now: Date): Date | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d{1,9}$/.test(value)) return new Date(now.getTime() + Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(Math.max(at, now.getTime()));
}

/**
 * The case Primero receives: only fields Primero's case forms define, each from the
 * person's recorded consent or the request's own facts. Never the cover, the time window,
 * the caller's gender, the reference code or a hash; the number only when the person agreed
 * to share it (and it is still held).
 */
export function primeroCase(options: Pick<PrimeroAdapterOptions, 'modules' | 'fields' | 'languages' | 'timeZone'>, { handoffId, payload, contact }: HandoffDelivery): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: primeroCaseId(handoffId),
    module_id: options.modules[payload.queue],
    consent_for_services: payload.consent.services,
    disclosure_other_orgs: payload.consent.shareWithOrganisations,
    // A multi-select of lookup-language: a list of its ids.
    language: [options.languages?.[payload.language] ?? payload.language],
    registration_date: dayIn(new Date(payload.createdAt), options.timeZone),
    // The case carries no name; Primero masks it on every screen and export.
    hidden_name: true,
  };
  if (payload.consent.shareNumber && contact) data.telephone_current = contact;
  if (options.fields?.label) data[options.fields.label] = payload.label;
  if (options.fields?.queue) data[options.fields.queue] = payload.queue;
  return data;
}

/**
 * Hands off into Primero v2 by creating a case (`POST /api/v2/cases`) with a client-generated
 * id. Every call carries HTTP Basic credentials of a dedicated API user: Primero (2.11 and
 * later) issues no tokens, and its session login would log that user out everywhere else.
 * Redirects are not followed, so the credentials and the number go to PRIMERO_URL only.
 */
export function primeroHandoffAdapter(options: PrimeroAdapterOptions): HandoffAdapter {
  const { username, password, logger, clock = () => new Date(), fetch: doFetch = fetch, timeoutMs = 15_000 } = options;
  const endpoint = `${options.url.replace(/\/+$/, '')}${PRIMERO_CASES_PATH}`;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  return {
    name: 'primero',
    carriesNumber: true,
    refusal(payload: Pick<HandoffPayload, 'queue'>) {
      return options.modules[payload.queue] ? undefined : `No Primero module is set for the queue "${payload.queue}" (PRIMERO_MODULES): nothing can be handed off from it.`;
    },
    async deliver(delivery: HandoffDelivery) {
      if (!options.modules[delivery.payload.queue]) throw new HandoffRefused('no_module');
      // A hand-off queued before consent was recorded (an older version) never leaves for Primero.
      if (!delivery.payload.consent?.services) throw new HandoffRefused('no_consent');
      let res: Response;
      try {
        res = await doFetch(endpoint, {
          method: 'POST',
          headers: { Authorization: authorization, 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ data: primeroCase(options, delivery) }),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
        });
      } catch (err) {
        // It may have reached Primero all the same: the retry sends the same id and gets 409.
        throw new HandoffRetry((err as Error)?.name === 'TimeoutError' ? 'timeout' : 'network');
      }
      const answer = answerFor(res.status);
      const body = answer === 'invalid' ? await res.text().catch(() => '') : '';
      if (answer !== 'invalid') await res.body?.cancel().catch(() => undefined);
      const handoffId = delivery.handoffId;
      switch (answer) {
        case 'delivered':
          return;
        case 'already_there':
          logger?.info({ event: 'handoff.primero.already_there', handoffId }, 'Primero already has this case (an earlier attempt reached it): delivered');
          return;
        case 'invalid': {
          const pointers = refusedPointers(body);
          logger?.warn({ event: 'handoff.primero.refused', handoffId, pointers }, 'Primero refused the case: the hand-off failed (fields named, never their values)');
          throw new HandoffRefused('invalid_fields', pointers);
        }
        case 'credentials_refused':
          // For the administrator: the API user, its password or its role needs fixing. Never the credentials.
          logger?.error(
            { event: 'handoff.primero.credentials_refused', status: res.status, handoffId },
            `Primero refused the API user (${res.status}): check PRIMERO_USERNAME, PRIMERO_PASSWORD and the user's role (create cases in each module of PRIMERO_MODULES)`,
          );
          throw new HandoffRefused(`primero_${res.status}`);
        case 'unavailable': {
          const at = retryAfter(res.headers.get('retry-after'), clock());
          if (at) throw new HandoffRetryAt(at, 'http_503');
          throw new HandoffRetry('http_503');
        }
        default:
          throw new HandoffRetry(`http_${res.status}`);
      }
    },
  };
}
