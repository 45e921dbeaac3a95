import crypto from 'node:crypto';

/**
 * Constant-time comparison of a given secret with the expected one. Both are hashed
 * first, so neither the content nor the length of the secret leaks through timing.
 */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
