import type { ChannelId } from '../../messaging/types';
import type { ChannelSpec } from '../provider';
import { SMS_CAPABILITIES } from './smsWebhook';
import { createSmsRenderer, SMS_MAX_SEGMENTS } from './smsRenderer';

/**
 * An SMS channel, whoever carries it (Twilio, Africa's Talking): plain text in at most
 * SMS_MAX_SEGMENTS segments, GSM-7 unless SMS_TRANSLITERATE is off, the one-time
 * reminder that messages stay on the phone, the SMS idle time.
 */
export function smsChannel(id: ChannelId): ChannelSpec {
  return {
    id,
    capabilities: SMS_CAPABILITIES,
    renderer: (config) => createSmsRenderer({ transliterate: config.SMS_TRANSLITERATE }),
    sessionTtlMs: (config) => config.SMS_SESSION_TTL_SECONDS * 1000,
    notice: 'sms.reminder',
    content: (config) => {
      const renderer = createSmsRenderer({ transliterate: config.SMS_TRANSLITERATE });
      return { label: 'SMS', renderer, size: (reply) => renderer.cost(reply).segments, limit: SMS_MAX_SEGMENTS, unit: 'segments', tooLong: 'sms-segments' };
    },
  };
}
