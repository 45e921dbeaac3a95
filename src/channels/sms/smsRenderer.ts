import { SegmentedMessage } from 'sms-segments-calculator';
import { isGsm7Basic, transliterate } from '../gsm7';
import { layOutText } from '../textLayout';
import type { ChannelRenderer, Reply } from '../../messaging/types';

/** No reply of any flow may cost more than this many SMS segments; the engine pages to stay under it. */
export const SMS_MAX_SEGMENTS = 3;

export { transliterate } from '../gsm7';

/** How a text travels as SMS: its encoding and the number of segments it costs. */
export interface SmsCost {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  characters: number;
}

/** The encoding and segment count of a text, as carriers count them (GSM-7 160/153, UCS-2 70/67). */
export function smsCost(text: string): SmsCost {
  // Most replies are plain GSM-7 (basic table only): counted directly, as the
  // calculator would. Anything else (extension characters, UCS-2) goes to it.
  if (isGsm7Basic(text)) {
    return { encoding: 'GSM-7', segments: text.length <= 160 ? 1 : Math.ceil(text.length / 153), characters: text.length };
  }
  const message = new SegmentedMessage(text);
  return { encoding: message.encodingName, segments: message.segmentsCount, characters: message.numberOfCharacters };
}

export interface SmsRendererOptions {
  /** Replace characters outside GSM-7 (configurable per deployment: SMS_TRANSLITERATE). */
  transliterate: boolean;
  maxSegments?: number;
}

/** An SMS renderer that also reports what a rendered reply costs. */
export interface SmsRenderer extends ChannelRenderer {
  cost(reply: Reply): SmsCost;
}

/**
 * Lays a reply out as one plain-text SMS: the one-time notice, the hint, the text,
 * numbered options and the global inputs on one line. Shared by Twilio and Africa's
 * Talking. `fits` holds every reply to `maxSegments` so that the engine pages.
 */
export function createSmsRenderer({ transliterate: substitute, maxSegments = SMS_MAX_SEGMENTS }: SmsRendererOptions): SmsRenderer {
  const render = (reply: Reply): string => {
    const text = layOutText(reply);
    return substitute ? transliterate(text) : text;
  };
  const cost = (reply: Reply) => smsCost(render(reply));
  return {
    render,
    cost,
    fits: (reply) => {
      const text = render(reply);
      // Fast path: 67 UTF-16 units per segment is the smallest any encoding gives.
      return text.length <= 67 * maxSegments || smsCost(text).segments <= maxSegments;
    },
  };
}
