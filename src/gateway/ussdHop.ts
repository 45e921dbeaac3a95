import { GLOBAL, type FlowState } from '../flows/engine';
import type { Reply } from '../messaging/types';
import type { Session } from './session';

/**
 * What a USSD request means, given the stored session and the path Africa's Talking
 * resent. Decided here, without I/O, so that each case can be tested on its own.
 */
export type UssdHop =
  /** The request was retried: the reply it already had (the final one too, within the tombstone's minute). */
  | { kind: 'retry'; reply: Reply }
  /** The session has ended: nothing of it is shown again, not even its last screen. */
  | { kind: 'ended' }
  /** An empty path, or a late copy of the hop before, is not a new answer: the current screen again. */
  | { kind: 'lateCopy'; reply: Reply }
  /** The server does not know this session (or the answer to the offer was not 1, 2, 0 or 00): offer to resume. */
  | { kind: 'resumeOffer'; replay: number; invalid: boolean; previousPathHash?: string }
  /**
   * New answers to feed the engine: into the session's state, or from the welcome screen
   * (`from: 'welcome'`) for a new session, a quick exit or a resumed one.
   */
  | { kind: 'answers'; from: FlowState | 'welcome'; inputs: string[]; previousPathHash?: string };

/**
 * Reads one USSD hop. `hashPath` is the keyed hash of a path (the path itself is never
 * kept): the stored session only holds hashes of what was read.
 */
export function readUssdHop(session: Session | undefined, segments: string[], hashPath: (segments: string[]) => string): UssdHop {
  if (!session) {
    if (segments.length === 0) return { kind: 'answers', from: 'welcome', inputs: [] };
    // `0` was the quick exit on whatever screen the person saw: it ends at once, with no offer to resume.
    if (segments[segments.length - 1].trim() === GLOBAL.exit) return { kind: 'answers', from: 'welcome', inputs: [GLOBAL.exit] };
    return { kind: 'resumeOffer', replay: segments.length, invalid: false };
  }
  const pathHash = hashPath(segments);
  if (segments.length === session.consumed && pathHash === session.pathHash) return { kind: 'retry', reply: session.last };
  if (session.status === 'ended') return { kind: 'ended' };
  if (segments.length === 0 || pathHash === session.previousPathHash) return { kind: 'lateCopy', reply: session.last };
  const previousPathHash = session.pathHash;

  // Africa's Talking resends the whole path; what follows the part already read is new.
  // A path that does not extend the known one (a provider quirk) counts its last answer only.
  const extendsKnown = segments.length > session.consumed && hashPath(segments.slice(0, session.consumed)) === session.pathHash;
  const fresh = extendsKnown ? segments.slice(session.consumed) : [segments[segments.length - 1]];

  if (session.status === 'resumeOffer') {
    const [first, ...rest] = fresh;
    const choice = first.trim();
    if (!['1', '2', GLOBAL.exit, GLOBAL.home].includes(choice)) return { kind: 'resumeOffer', replay: session.replay, invalid: true, previousPathHash };
    // Resuming replays the path the server had lost; its effects are idempotent (one intake per session).
    // `0` and `00` mean here what they mean on every screen.
    const inputs = choice === '1' ? [...segments.slice(0, session.replay), ...rest] : choice === '2' ? rest : [choice, ...rest];
    return { kind: 'answers', from: 'welcome', inputs, previousPathHash };
  }
  return { kind: 'answers', from: session.flow, inputs: fresh, previousPathHash };
}
