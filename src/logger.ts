import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths censored wherever they appear, as a second line of defence: the code never
 * logs a number, a message, an input path or a secret header in the first place
 * (safety rule 2), and correlates with keyed hashes instead.
 */
export const REDACT_PATHS = [
  'phone',
  'phoneNumber',
  'text',
  'body',
  'from',
  'to',
  'address',
  'contact',
  'input',
  '*.phone',
  '*.phoneNumber',
  '*.text',
  '*.body',
  '*.from',
  '*.to',
  '*.address',
  '*.contact',
  '*.input',
  'req.headers',
  'req.query',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** The process logger: JSON lines, redacted, never carrying personal data. */
export function createLogger({ level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    destination,
  );
}

/** A V8 stack frame: `at fn (file:line:col)`, `at file:line:col`, `at fn (native)` or `(<anonymous>)`. */
const STACK_FRAME = /^\s*at .*(:\d+:\d+\)?|\((native|<anonymous>)\))$/;

/**
 * Errors keep their type, code and stack frames but lose their message: messages of
 * database or parsing errors can quote the values that caused them.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  // The message is cut out of the stack first: a message of several lines (a quoted SMS) could hold a line that reads like a frame.
  const stack = err.message ? (err.stack ?? '').split(err.message).join('') : (err.stack ?? '');
  const frames = stack.split('\n').filter((line) => STACK_FRAME.test(line));
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: frames.slice(0, 12).map((line) => line.trim()),
  };
}
