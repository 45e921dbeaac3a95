/**
 * Reference codes are 8 digits from 2 to 9: easy to type on any keypad, easy to
 * read aloud in any language, and free of look-alikes (no 0/O, no 1/I/l). They
 * never collide with the global inputs `0` and `00`.
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
