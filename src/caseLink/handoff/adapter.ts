/** What the person agreed to on the phone, as the caseworker recorded it before handing off. */
export interface HandoffConsent {
  /** to receive services (a hand-off is refused without it) */
  services: boolean;
  /** to have their case shared with another organisation */
  shareWithOrganisations: boolean;
  /** to have their number passed on (the adapter receives it only then) */
  shareNumber: boolean;
  recordedAt: string;
}

/**
 * What a case-management system receives when an intake is handed off:
 * de-identified on purpose. Never the number, its hash or the cover; the number
 * travels apart (`HandoffDelivery.contact`), only with consent to share it.
 */
export interface HandoffPayload {
  /** The staff-facing label (never the person's reference code, which cancels). */
  label: string;
  queue: string;
  language: string;
  outcome: string | null;
  createdAt: string;
  claimedAt: string | null;
  firstCallAt: string | null;
  handedOffAt: string;
  consent: HandoffConsent;
}

/** One delivery: the stored payload, the hand-off's id (stable across retries) and the number if the person agreed to share it. */
export interface HandoffDelivery {
  /** The Handoff row's id (32 hex characters): the same on every retry of this hand-off. */
  handoffId: string;
  payload: HandoffPayload;
  /** The number to call, unsealed for this attempt only; null without consent to share it. */
  contact: string | null;
}

/** A way to hand an intake to a case-management system. `deliver` throws to be retried later. */
export interface HandoffAdapter {
  /** Stored on the Handoff row. */
  readonly name: string;
  /** Whether it sends the number (with consent to share it): only then is the number kept for it after the hand-off. */
  readonly carriesNumber?: boolean;
  /**
   * Resolves when the receiver has the case (or already had it). Throws `HandoffRefused` to
   * stop for good, `HandoffRetryAt` to be tried at a given time; anything else is retried
   * with backoff.
   */
  deliver(delivery: HandoffDelivery): Promise<void>;
  /**
   * Why a hand-off with this payload could not be delivered at all (a queue the receiver has
   * no place for), asked before the hand-off destroys the number; undefined when it can.
   */
  refusal?(payload: Pick<HandoffPayload, 'queue' | 'language'>): string | undefined;
}

/** The built-in queue: the Handoff row itself is the hand-off (read it with the API or a report). */
export const builtinHandoffAdapter: HandoffAdapter = {
  name: 'builtin',
  async deliver() {},
};

/**
 * The receiver refused this hand-off for good (invalid fields, refused credentials): it is
 * not tried again. `code` and `pointers` (JSON pointers to the refused fields, never their
 * values) are stored on the hand-off and shown to the caseworker.
 */
export class HandoffRefused extends Error {
  constructor(
    readonly code: string,
    readonly pointers: string[] = [],
  ) {
    super(`hand-off refused: ${code}`);
    this.name = 'HandoffRefused';
  }
}

/** The receiver asked to be called again later (503 with Retry-After): the next attempt waits until `at`. */
export class HandoffRetryAt extends Error {
  constructor(
    readonly at: Date,
    readonly code: string,
  ) {
    super(`hand-off deferred: ${code}`);
    this.name = 'HandoffRetryAt';
  }
}

/** A failure worth trying again with the usual backoff (network, timeout, 5xx, 429); `code` is stored, never a message. */
export class HandoffRetry extends Error {
  constructor(readonly code: string) {
    super(`hand-off not delivered: ${code}`);
    this.name = 'HandoffRetry';
  }
}
