import type { ChannelRenderer } from '../../messaging/types';
import { layOutText } from '../textLayout';

/** The longest body Twilio accepts for one WhatsApp message. */
export const WHATSAPP_BODY_MAX = 1600;

/**
 * The most one reply may hold, well under Twilio's 1600: a screen read on a small phone,
 * and the length of a WhatsApp interactive message body (1024), so that the same pages
 * would hold if menus ever became list messages. The engine pages to stay under it.
 */
export const WHATSAPP_REPLY_BUDGET = 1024;

/**
 * A reply as one WhatsApp text: the numbered menu of SMS, in full Unicode (no
 * transliteration: WhatsApp carries any character at no extra cost), the one-time
 * notice last. Length is counted in UTF-16 units, never less than Twilio's count.
 */
export const whatsappRenderer: ChannelRenderer = {
  render: layOutText,
  fits: (reply) => layOutText(reply).length <= WHATSAPP_REPLY_BUDGET,
};
