import type { Config } from '../config';
import { africasTalkingProvider } from './africastalking/africasTalkingProvider';
import type { ChannelSpec, ChannelStatus, Provider } from './provider';
import { telegramProvider } from './telegram/telegramProvider';
import { twilioProvider } from './twilio/twilioProvider';
import { whatsappProvider } from './whatsapp/whatsappProvider';

/**
 * Every provider, one line each. The server, `/healthz` and the content check iterate
 * this list and never name a provider: adding one is its folder (a descriptor, see
 * provider.ts) and a line here.
 */
export const PROVIDERS: readonly Provider[] = [africasTalkingProvider, twilioProvider, telegramProvider, whatsappProvider];

/** Every channel of every provider, in the registry's order. */
export const CHANNELS: readonly ChannelSpec[] = PROVIDERS.flatMap((provider) => provider.channels);

/** Every provider's webhook path prefixes, by the name they are counted under (metrics). */
export function channelWebhooks(providers: readonly Provider[] = PROVIDERS): Record<string, string> {
  return Object.assign({}, ...providers.map((provider) => provider.webhooks));
}

/** Each provider's `/healthz` entries, from the configuration. */
export function channelStatuses(config: Config, providers: readonly Provider[] = PROVIDERS): Record<string, ChannelStatus> {
  return Object.assign({}, ...providers.map((provider) => provider.status(config)));
}
