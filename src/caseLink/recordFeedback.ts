import type { PrismaClient } from '../db';
import { isoWeek } from './isoWeek';
import type { CaseLinkDeps } from './types';

/**
 * The feedback questions and the only answers each can get, as stored. Answers are
 * chosen from numbered options, never typed: nothing else is ever written.
 */
export const FEEDBACK_ANSWERS = {
  /** Was the information useful? */
  useful: ['yes', 'partly', 'no'],
  /** If you were called back, was the person respectful? */
  respectful: ['yes', 'no', 'not_called'],
} as const;

export type FeedbackQuestion = keyof typeof FEEDBACK_ANSWERS;
export const FEEDBACK_QUESTIONS = Object.keys(FEEDBACK_ANSWERS) as FeedbackQuestion[];

export interface FeedbackAnswer {
  question: FeedbackQuestion;
  answer: string;
}

export interface RecordFeedbackOptions {
  /** The channel the answers came over (ussd, sms_twilio, telegram, …). */
  channel: string;
  /** One person's answers, at most one per question. */
  answers: FeedbackAnswer[];
}

/** How often a write that met a concurrent first insert of the same row is tried again. */
const MAX_TRIES = 3;

/**
 * Counts one person's feedback: adds one to `FeedbackCount` for each answer, under the
 * ISO week (UTC) of the injected clock and the channel. Nothing else is kept: no
 * request, number, session or time finer than the week. The answers are one
 * transaction (all counted or none). Two first answers of a week racing on PostgreSQL
 * (several instances) both try to insert the row: the loser meets the unique key and
 * is tried again, and then finds the row to increment.
 */
export async function recordFeedback(deps: Pick<CaseLinkDeps, 'prisma' | 'clock'>, { channel, answers }: RecordFeedbackOptions): Promise<void> {
  for (const { question, answer } of answers) {
    if (!(FEEDBACK_ANSWERS[question] as readonly string[] | undefined)?.includes(answer)) throw new Error('recordFeedback: not a feedback answer');
  }
  if (new Set(answers.map((a) => a.question)).size !== answers.length) throw new Error('recordFeedback: one answer per question');
  const week = isoWeek(deps.clock());
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deps.prisma.$transaction(async (tx) => {
        for (const { question, answer } of answers) await increment(tx, { week, channel, question, answer });
      });
      return;
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= MAX_TRIES) throw error;
    }
  }
}

function increment(prisma: Pick<PrismaClient, 'feedbackCount'>, key: { week: string; channel: string; question: string; answer: string }) {
  return prisma.feedbackCount.upsert({
    where: { week_channel_question_answer: key },
    create: { ...key, count: 1 },
    update: { count: { increment: 1 } },
    select: { count: true },
  });
}

/** A unique key refused the insert (Prisma's P2002): another instance inserted the row first. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'P2002';
}
