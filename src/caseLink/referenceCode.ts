import type { Keyring } from '../crypto/keyring';

/**
 * Reference codes are 8 digits from 2 to 9: easy to type on any keypad, easy to
 * read aloud in any language, and free of look-alikes (no 0/O, no 1/I/l). They
 * never collide with the global inputs `0` and `00`. A code is the person's: it is
 * shown to them once, it cancels their request, and only its keyed hash is stored.
 */
export const REFERENCE_ALPHABET = '23456789';
export const REFERENCE_LENGTH = 8;

/** A fresh code from the injected random source. */
export function generateReference(randomBytes: (size: number) => Buffer): string {
  const bytes = randomBytes(REFERENCE_LENGTH);
  let code = '';
  for (let i = 0; i < REFERENCE_LENGTH; i += 1) code += REFERENCE_ALPHABET[bytes[i] % REFERENCE_ALPHABET.length];
  return code;
}

/** Accepts what people type (spaces, dashes, `-` groups) and returns the bare code, or null. */
export function normaliseReference(input: string): string | null {
  const bare = input.replace(/[\s-]/g, '');
  return new RegExp(`^[${REFERENCE_ALPHABET}]{${REFERENCE_LENGTH}}$`).test(bare) ? bare : null;
}

/** `4827 5936`: the way a code is shown, in two groups. */
export function formatReference(code: string): string {
  return `${code.slice(0, 4)} ${code.slice(4)}`;
}

/**
 * The keyed hash under which a code is stored and looked up: a copy of the database
 * (or a staff member reading it) cannot turn it back into a code that cancels.
 */
export function referenceHash(keyring: Pick<Keyring, 'hash'>, code: string): string {
  return keyring.hash(`reference\u0000${code}`);
}

/**
 * Staff-facing labels: six consonants (no vowels, so no words; no I or O), shown as
 * `KXM-TRB`. Letters cannot be typed as a reference code, so a label read aloud or
 * copied from the desk cancels nothing.
 */
export const LABEL_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const LABEL_LENGTH = 6;

/** A fresh label from the injected random source. */
export function generateLabel(randomBytes: (size: number) => Buffer): string {
  const bytes = randomBytes(LABEL_LENGTH);
  let label = '';
  for (let i = 0; i < LABEL_LENGTH; i += 1) label += LABEL_ALPHABET[bytes[i] % LABEL_ALPHABET.length];
  return `${label.slice(0, 3)}-${label.slice(3)}`;
}
