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
  deliver(delivery: HandoffDelivery): Promise<void>;
}

/** The built-in queue: the Handoff row itself is the hand-off (read it with the API or a report). */
export const builtinHandoffAdapter: HandoffAdapter = {
  name: 'builtin',
  async deliver() {},
};
