import type { FlowState } from '../../src/flows/engine';
import type { Reply } from '../../src/messaging/types';
import type { ActiveSession, EndedSession, ResumeOfferSession, Session } from '../../src/gateway/session';
import { readUssdHop, type UssdHop } from '../../src/gateway/ussdHop';

/** A readable stand-in for the keyed hash: the reader only compares hashes. */
const hash = (segments: string[]) => `#${segments.join('*')}`;
const LAST: Reply = { end: false, body: ['the screen last sent'], items: [], options: [], nav: [] };
const FINAL: Reply = { ...LAST, end: true, body: ['the last screen'] };
const FLOW: FlowState = { node: 'menu', lang: 'fr', vars: {}, page: 0, history: [], at: 0 };

/** A session that has read `read` (its hash only), one hop after `before`. */
const active = (read: string[], before?: string[]): ActiveSession => ({
  status: 'active',
  flow: FLOW,
  consumed: read.length,
  pathHash: hash(read),
  last: LAST,
  ...(before ? { previousPathHash: hash(before) } : {}),
});
const ended = (read: string[]): EndedSession => ({ status: 'ended', consumed: read.length, pathHash: hash(read), last: FINAL });
/** The resume offer made when the server had lost a session at `read` (`replay` segments to replay). */
const offered = (read: string[], replay = read.length): ResumeOfferSession => ({ status: 'resumeOffer', consumed: read.length, pathHash: hash(read), replay, last: LAST });

const cases: Array<{ label: string; session?: Session; path: string[]; hop: UssdHop }> = [
  // No session: a new one, a quick exit, or one the server has lost.
  { label: 'no session, empty path → answers from the welcome (a new session)', path: [], hop: { kind: 'answers', from: 'welcome', inputs: [] } },
  { label: 'no session, last answer 0 → answers from the welcome: the quick exit, no offer', path: ['1', '2', '0'], hop: { kind: 'answers', from: 'welcome', inputs: ['0'] } },
  { label: 'no session, last answer " 0 " → the quick exit too', path: ['1', ' 0 '], hop: { kind: 'answers', from: 'welcome', inputs: ['0'] } },
  { label: 'no session, a path → resume offer, replaying the whole path', path: ['1', '2'], hop: { kind: 'resumeOffer', replay: 2, invalid: false } },
  // Retries: the reply already made, whatever the status.
  { label: 'active, the same path again → retry', session: active(['1', '2'], ['1']), path: ['1', '2'], hop: { kind: 'retry', reply: LAST } },
  { label: 'active, the same empty path again → retry', session: active([]), path: [], hop: { kind: 'retry', reply: LAST } },
  { label: 'ended, the same path again → retry: the final reply within the tombstone', session: ended(['1', '1']), path: ['1', '1'], hop: { kind: 'retry', reply: FINAL } },
  { label: 'resume offer, the same path again → retry', session: offered(['1', '2']), path: ['1', '2'], hop: { kind: 'retry', reply: LAST } },
  // Ended: nothing of the session again.
  { label: 'ended, a new answer → ended', session: ended(['1', '1']), path: ['1', '1', '2'], hop: { kind: 'ended' } },
  { label: 'ended, an empty path → ended', session: ended(['1']), path: [], hop: { kind: 'ended' } },
  // Late copies: the current screen again.
  { label: 'active, an empty path → late copy', session: active(['1', '2'], ['1']), path: [], hop: { kind: 'lateCopy', reply: LAST } },
  { label: 'active, the path of the hop before → late copy', session: active(['1', '2'], ['1']), path: ['1'], hop: { kind: 'lateCopy', reply: LAST } },
  { label: 'resume offer, the path of the hop before → late copy', session: { ...offered(['1', '2']), previousPathHash: hash(['1']) }, path: ['1'], hop: { kind: 'lateCopy', reply: LAST } },
  // Answers to the session's own screen.
  {
    label: 'active, one answer more → answers: the new one',
    session: active(['1', '2'], ['1']),
    path: ['1', '2', '3'],
    hop: { kind: 'answers', from: FLOW, inputs: ['3'], previousPathHash: hash(['1', '2']) },
  },
  {
    label: 'active, two answers more → answers: both, in order',
    session: active(['1']),
    path: ['1', '4', '5'],
    hop: { kind: 'answers', from: FLOW, inputs: ['4', '5'], previousPathHash: hash(['1']) },
  },
  {
    label: 'active, a path that does not extend the known one → answers: its last answer only',
    session: active(['1', '2']),
    path: ['9', '8', '3'],
    hop: { kind: 'answers', from: FLOW, inputs: ['3'], previousPathHash: hash(['1', '2']) },
  },
  {
    label: 'active, a different path as long as the known one → answers: its last answer only',
    session: active(['1', '2']),
    path: ['1', '7'],
    hop: { kind: 'answers', from: FLOW, inputs: ['7'], previousPathHash: hash(['1', '2']) },
  },
  // The answer to a resume offer.
  {
    label: 'resume offer, 1 → answers from the welcome: the lost path replayed, then the rest',
    session: offered(['1', '2']),
    path: ['1', '2', '1', '4'],
    hop: { kind: 'answers', from: 'welcome', inputs: ['1', '2', '4'], previousPathHash: hash(['1', '2']) },
  },
  {
    label: 'resume offer, 1 with a shorter replay → only the segments to replay',
    session: offered(['1', '2', '3'], 2),
    path: ['1', '2', '3', '1'],
    hop: { kind: 'answers', from: 'welcome', inputs: ['1', '2'], previousPathHash: hash(['1', '2', '3']) },
  },
  {
    label: 'resume offer, 2 → answers from the welcome: only what follows',
    session: offered(['1', '2']),
    path: ['1', '2', '2', '3'],
    hop: { kind: 'answers', from: 'welcome', inputs: ['3'], previousPathHash: hash(['1', '2']) },
  },
  {
    label: 'resume offer, 0 → answers from the welcome: the quick exit',
    session: offered(['1', '2']),
    path: ['1', '2', '0'],
    hop: { kind: 'answers', from: 'welcome', inputs: ['0'], previousPathHash: hash(['1', '2']) },
  },
  {
    label: 'resume offer, 00 → answers from the welcome: the main menu',
    session: offered(['1', '2']),
    path: ['1', '2', '00'],
    hop: { kind: 'answers', from: 'welcome', inputs: ['00'], previousPathHash: hash(['1', '2']) },
  },
  { label: 'resume offer, " 1 " → the choice is read trimmed', session: offered(['1']), path: ['1', ' 1 '], hop: { kind: 'answers', from: 'welcome', inputs: ['1'], previousPathHash: hash(['1']) } },
  {
    label: 'resume offer, another answer → resume offer again, marked invalid, same replay',
    session: offered(['1', '2']),
    path: ['1', '2', '7'],
    hop: { kind: 'resumeOffer', replay: 2, invalid: true, previousPathHash: hash(['1', '2']) },
  },
  {
    label: 'resume offer, a path that does not extend it → its last answer is the choice',
    session: offered(['1', '2']),
    path: ['5', '2'],
    hop: { kind: 'answers', from: 'welcome', inputs: [], previousPathHash: hash(['1', '2']) },
  },
];

describe('readUssdHop', () => {
  test.each(cases)('$label', ({ session, path, hop }) => {
    expect(readUssdHop(session, path, hash)).toEqual(hop);
  });

  it('has a case for every kind of hop', () => {
    const kinds: Record<UssdHop['kind'], true> = { retry: true, ended: true, lateCopy: true, resumeOffer: true, answers: true };
    expect(new Set(cases.map((c) => c.hop.kind))).toEqual(new Set(Object.keys(kinds)));
  });
});
