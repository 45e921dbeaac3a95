import crypto from 'node:crypto';
import type { Response } from 'express';
import type { z } from 'zod';

/** Compares a secret in constant time (hashes of equal length, so not even the length leaks). */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** 400 naming what is wrong with a provider's form: the schema's messages name fields, never their values. */
export function badRequest(res: Response, error: z.ZodError): void {
  res.status(400).type('text/plain').send(`bad request: ${error.issues.map((i) => i.message).join('; ')}`);
}
