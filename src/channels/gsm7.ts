/**
 * The GSM 03.38 default alphabet, as USSD and SMS carry it: its basic table (one septet
 * a character) and its extension table (an escape and the character: two septets).
 */
export const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
export const GSM_EXTENSION = '^{}\\[~]|€\f';
const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

/** Replacements for characters outside GSM-7 that accents stripping alone does not give. */
const SUBSTITUTES: Record<string, string> = {
  œ: 'oe',
  Œ: 'OE',
  ç: 'c',
  '’': "'",
  '‘': "'",
  '«': '"',
  '»': '"',
  '“': '"',
  '”': '"',
  '…': '...',
  '–': '-',
  '—': '-',
  '\u00a0': ' ',
  '\u202f': ' ',
};

/** Whether a character is in the GSM-7 alphabet (basic or extension table). */
export function isGsm7Char(char: string): boolean {
  return BASIC.has(char) || EXTENSION.has(char);
}

/** Whether a whole text travels in GSM-7 (no character forces UCS-2). */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!isGsm7Char(char)) return false;
  return true;
}

/** Whether a text uses the basic table only (one septet a character). */
export function isGsm7Basic(text: string): boolean {
  for (const char of text) if (!BASIC.has(char)) return false;
  return true;
}

/**
 * The length of a GSM-7 text in septets, as operators count it: one per basic character,
 * two per extension character. A character outside GSM-7 counts as two (it would not
 * survive as itself anyway; the content check refuses it on USSD).
 */
export function septets(text: string): number {
  let n = 0;
  for (const char of text) n += BASIC.has(char) ? 1 : 2;
  return n;
}

/**
 * Replaces characters outside GSM-7 by their nearest GSM-7 spelling (ê → e, ô → o,
 * œ → oe, ç → c, ’ → '), so that a screen travels in the network's alphabet: one accent
 * no longer switches a whole SMS to UCS-2, and no operator garbles a USSD screen.
 * Characters with no GSM-7 spelling are kept.
 */
export function transliterate(text: string): string {
  let out = '';
  for (const char of text) {
    if (isGsm7Char(char)) out += char;
    else if (char in SUBSTITUTES) out += SUBSTITUTES[char];
    else {
      const stripped = char.normalize('NFD').replace(/\p{M}+/gu, '');
      out += stripped.length > 0 && [...stripped].every(isGsm7Char) ? stripped : char;
    }
  }
  return out;
}
