import type { Transformer } from 'grammy';

/** A message the simulated Bot API holds for the web simulator. */
export interface SimulatedMessage {
  message_id: number;
  text: string;
  reply_markup?: unknown;
}

/**
 * Development only: answers the community bot's Bot API calls in memory, so the web
 * simulator's chat view can talk to the real webhook without a Telegram token or
 * network. Never used when a real token is configured, never in production.
 */
export class SimulatedBotApi {
  private readonly chats = new Map<number, { messages: SimulatedMessage[]; deleted: number[] }>();
  private nextId = 1;

  readonly transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Record<string, unknown>;
    const chatId = Number(p.chat_id);
    const chat = () => {
      let found = this.chats.get(chatId);
      if (!found) {
        found = { messages: [], deleted: [] };
        this.chats.set(chatId, found);
        if (this.chats.size > 1000) this.chats.delete(this.chats.keys().next().value as number);
      }
      return found;
    };
    switch (method) {
      case 'getMe':
        return {
          ok: true,
          result: { id: 1, is_bot: true, first_name: 'Passerelle', username: 'passerelle_simulator_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false },
        } as never;
      case 'sendMessage': {
        const message: SimulatedMessage = { message_id: this.nextId++, text: String(p.text ?? ''), reply_markup: p.reply_markup };
        chat().messages.push(message);
        return { ok: true, result: { ...message, date: 0, chat: { id: chatId, type: 'private' } } } as never;
      }
      case 'deleteMessages':
      case 'deleteMessage': {
        const ids = (Array.isArray(p.message_ids) ? p.message_ids : [p.message_id]).map(Number);
        const c = chat();
        c.messages = c.messages.filter((m) => !ids.includes(m.message_id));
        c.deleted.push(...ids);
        return { ok: true, result: true } as never;
      }
      default:
        return { ok: true, result: true } as never;
    }
  };

  /** What the chat view shows: the bot's messages still there, and every id deleted so far. */
  chat(chatId: number): { messages: SimulatedMessage[]; deleted: number[] } {
    return this.chats.get(chatId) ?? { messages: [], deleted: [] };
  }
}
