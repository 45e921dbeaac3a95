import type { Response } from 'express';
import type { z } from 'zod';

/** Compares a secret in constant time (see src/crypto/sameSecret.ts). */
export { sameSecret } from '../crypto/sameSecret';

/** 400 naming what is wrong with a provider's form: the schema's messages name fields, never their values. */
export function badRequest(res: Response, error: z.ZodError): void {
  res.status(400).type('text/plain').send(`bad request: ${error.issues.map((i) => i.message).join('; ')}`);
}
