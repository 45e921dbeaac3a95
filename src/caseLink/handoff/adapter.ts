/**
 * What a case-management system receives when an intake is handed off:
 * de-identified on purpose. Never the number, its hash or the cover.
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
}

/** A way to hand an intake to a case-management system. `deliver` throws to be retried later. */
export interface HandoffAdapter {
  /** Stored on the Handoff row. */
  readonly name: string;
  deliver(payload: HandoffPayload): Promise<void>;
}

/** The built-in queue: the Handoff row itself is the hand-off (read it with the API or a report). */
export const builtinHandoffAdapter: HandoffAdapter = {
  name: 'builtin',
  async deliver() {},
};
