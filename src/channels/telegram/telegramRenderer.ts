import type { InlineKeyboardMarkup, ReplyKeyboardMarkup } from 'grammy/types';
import type { ChannelRenderer, Reply } from '../../messaging/types';

/** Telegram's limits: message text, callback data (bytes), buttons in one keyboard. */
export const TELEGRAM_LIMITS = { text: 4096, callbackData: 64, buttons: 100, buttonText: 64 } as const;

/** Callback data of the quick-exit button. */
export const QUICK_EXIT_DATA = 'x';

/** A reply laid out for Telegram: text, keyboard, and which input each button index stands for. */
export interface TelegramMessage {
  text: string;
  markup: InlineKeyboardMarkup | ReplyKeyboardMarkup;
  /** The input behind button `i` (callback data `<keyboard>.<i>`, the keyboard id random): the data itself says nothing. */
  inputs: string[];
}

/**
 * Lays a reply out as a Telegram message: options as inline buttons (callback data
 * is an opaque index), the global inputs on one row, and a quick-exit button last on
 * every message. A screen waiting for a phone number offers Telegram's contact button.
 */
export function renderTelegram(reply: Reply, keyboard: number): TelegramMessage {
  const paragraphs = [...(reply.hint ? [reply.hint] : []), ...reply.body, ...reply.items];
  const text = paragraphs.join('\n\n') || '…';
  const exitLabel = reply.labels?.exit ?? 'Exit';
  if (reply.expects === 'phone') {
    return {
      text,
      inputs: [],
      markup: {
        keyboard: [[{ text: reply.labels?.sharePhone ?? 'Share my number', request_contact: true }], [{ text: `✖ ${exitLabel}` }]],
        one_time_keyboard: true,
        resize_keyboard: true,
      },
    };
  }
  const inputs: string[] = [];
  const button = (input: string, label: string) => {
    inputs.push(input);
    return { text: label, callback_data: `${keyboard}.${inputs.length - 1}` };
  };
  const rows = reply.options.map((option) => [button(option.input, option.label)]);
  const nav = reply.nav.filter((n) => n.input !== '0').map((n) => button(n.input, n.label));
  if (nav.length > 0) rows.push(nav);
  rows.push([{ text: `✖ ${exitLabel}`, callback_data: QUICK_EXIT_DATA }]);
  return { text, inputs, markup: { inline_keyboard: rows } };
}

/** Whether a laid-out message respects Telegram's limits. */
export function withinTelegramLimits(message: TelegramMessage): boolean {
  const buttons: Array<{ text: string; data?: string }> =
    'inline_keyboard' in message.markup
      ? message.markup.inline_keyboard.flat().map((b) => ({ text: b.text, data: 'callback_data' in b ? b.callback_data : undefined }))
      : message.markup.keyboard.flat().map((b) => ({ text: typeof b === 'string' ? b : b.text }));
  return (
    message.text.length <= TELEGRAM_LIMITS.text &&
    buttons.length <= TELEGRAM_LIMITS.buttons &&
    buttons.every((b) => b.text.length <= TELEGRAM_LIMITS.buttonText && (b.data === undefined || Buffer.byteLength(b.data) <= TELEGRAM_LIMITS.callbackData))
  );
}

/** The gateway's view: a reply fits when its Telegram message respects the limits (so the engine pages). */
export const telegramRenderer: ChannelRenderer = {
  render: (reply) => renderTelegram(reply, 0).text,
  fits: (reply) => withinTelegramLimits(renderTelegram(reply, 999_999_999)),
};
