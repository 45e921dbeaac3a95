import type { Request } from 'express';
import { AppError } from '../caseLink/appError';

const ID = /^[0-9a-f]{32}$/;

/** The intake id of the path (API and console); a malformed id is as unknown as a missing one: 404, never echoed. */
export function intakeIdOf(req: Request): string {
  const id = String(req.params.id);
  if (!ID.test(id)) throw new AppError('not_found', 'No such intake', 404);
  return id;
}
