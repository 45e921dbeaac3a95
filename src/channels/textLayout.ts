import type { Reply } from '../messaging/types';

/**
 * A reply as plain lines, the way every text medium without buttons shows it (USSD, SMS,
 * WhatsApp): the hint, the text, numbered options, the global inputs on one line, and
 * the one-time notice last.
 */
export function layOutText(reply: Reply): string {
  const lines: string[] = [];
  if (reply.hint) lines.push(reply.hint);
  lines.push(...reply.body, ...reply.items);
  for (const option of reply.options) lines.push(`${option.input}. ${option.label}`);
  if (reply.nav.length > 0) lines.push(reply.nav.map((n) => `${n.input} ${n.label}`).join('  '));
  if (reply.notice) lines.push(reply.notice);
  return lines.join('\n');
}
