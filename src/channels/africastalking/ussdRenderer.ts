import { isGsm7, septets, transliterate } from '../gsm7';
import { layOutText } from '../textLayout';
import type { ChannelRenderer, Reply } from '../../messaging/types';

/** A USSD screen carries at most 182 GSM-7 septets, `CON `/`END ` included (an extension character counts two). */
export const USSD_MAX_SEPTETS = 182;

export interface UssdRendererOptions {
  /** Replace characters outside GSM-7 (USSD_TRANSLITERATE, on by default): operators garble or shorten others. */
  transliterate: boolean;
}

/** A USSD renderer that also tells a screen's size in septets and whether it is plain GSM-7. */
export interface UssdRenderer extends ChannelRenderer {
  septets(reply: Reply): number;
  gsm7(reply: Reply): boolean;
}

/**
 * Lays a reply out as a USSD screen: `CON ` (more to come) or `END ` (session over), in
 * the network's alphabet (GSM-7), measured in septets as operators count them.
 */
export function createUssdRenderer({ transliterate: substitute }: UssdRendererOptions): UssdRenderer {
  const render = (reply: Reply): string => {
    // USSD has no notice (it leaves no message behind).
    const text = `${reply.end ? 'END' : 'CON'} ${layOutText({ ...reply, notice: undefined })}`;
    return substitute ? transliterate(text) : text;
  };
  return {
    render,
    fits: (reply) => septets(render(reply)) <= USSD_MAX_SEPTETS,
    septets: (reply) => septets(render(reply)),
    gsm7: (reply) => isGsm7(render(reply)),
  };
}

/** The renderer with transliteration on (the default): tests and tools that need one. */
export const ussdRenderer = createUssdRenderer({ transliterate: true });

/**
 * The final safety net: a screen that is somehow too long is cut rather than rejected by
 * the operator (the content check keeps this from ever happening), in septets, with
 * `...` (GSM-7 has no `…`).
 */
export function clampUssd(text: string): string {
  if (septets(text) <= USSD_MAX_SEPTETS) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const cost = septets(char);
    if (used + cost > USSD_MAX_SEPTETS - 3) break;
    out += char;
    used += cost;
  }
  return `${out}...`;
}
