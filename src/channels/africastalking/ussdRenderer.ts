import type { ChannelRenderer, Reply } from '../types';

/** Africa's Talking shows at most 182 characters, `CON `/`END ` included. */
export const USSD_MAX_LENGTH = 182;

/** Lays a reply out as a USSD screen: `CON ` (more to come) or `END ` (session over). */
function render(reply: Reply): string {
  const lines: string[] = [];
  if (reply.hint) lines.push(reply.hint);
  lines.push(...reply.body, ...reply.items);
  for (const option of reply.options) lines.push(`${option.input}. ${option.label}`);
  if (reply.nav.length > 0) lines.push(reply.nav.map((n) => `${n.input} ${n.label}`).join('  '));
  return `${reply.end ? 'END' : 'CON'} ${lines.join('\n')}`;
}

export const ussdRenderer: ChannelRenderer = {
  render,
  fits: (reply) => render(reply).length <= USSD_MAX_LENGTH,
};

/**
 * The final safety net: a screen that is somehow too long is cut rather than
 * rejected by the operator (the content test keeps this from ever happening).
 */
export function clampUssd(text: string): string {
  return text.length <= USSD_MAX_LENGTH ? text : `${text.slice(0, USSD_MAX_LENGTH - 1)}…`;
}
