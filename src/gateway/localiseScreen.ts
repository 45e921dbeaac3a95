import type { Reply } from '../messaging/types';
import { GLOBAL, type Screen, type Text } from '../flows/engine';
import type { Localizer } from '../locales/localizer';

/**
 * Puts a screen into words in `lang`, global inputs last; `labels` adds the words of a
 * channel's own buttons (Telegram). The one place a `Screen` becomes a `Reply`, so the
 * content check measures exactly what people are sent.
 */
export function localiseScreen(localizer: Localizer, screen: Screen, lang: string, { labels = false }: { labels?: boolean } = {}): Reply {
  // A last screen is put into words once, and may carry a reference code: not cached.
  const t = (text: Text) => localizer.t(text, lang, { remember: !screen.end });
  const nav: Reply['nav'] = [];
  if (screen.nav.more) nav.push({ input: GLOBAL.more, label: t({ key: 'nav.more' }) });
  if (screen.nav.back) nav.push({ input: GLOBAL.back, label: t({ key: 'nav.back' }) });
  if (screen.nav.home) nav.push({ input: GLOBAL.home, label: t({ key: 'nav.home' }) });
  if (screen.nav.exit) nav.push({ input: GLOBAL.exit, label: t({ key: 'nav.exit' }) });
  return {
    end: screen.end,
    ...(screen.hint ? { hint: t(screen.hint) } : {}),
    body: screen.body.map(t),
    items: screen.items.map(t),
    options: screen.options.map((o) => ({ input: o.input, label: t(o.label) })),
    nav,
    ...(screen.expects ? { expects: screen.expects } : {}),
    ...(labels ? { labels: { exit: t({ key: 'nav.exit' }), sharePhone: t({ key: 'share.phone' }) } } : {}),
  };
}

/**
 * Offered when the server no longer knows a USSD session that is still going on. The
 * gateway's own screen, not a flow node: it exists before any flow state does.
 */
export function resumeScreen(invalid = false): Screen {
  return {
    node: 'resume',
    end: false,
    ...(invalid ? { hint: { key: 'common.invalid' } as Text } : {}),
    body: [{ key: 'resume.prompt' }],
    items: [],
    options: [
      { input: '1', label: { key: 'resume.continue' } },
      { input: '2', label: { key: 'resume.restart' } },
    ],
    nav: { more: false, back: false, home: false, exit: true },
  };
}

/**
 * The neutral last screen of a quick exit, and of anything the phone's holder must not
 * learn about (an ended session, a request that already exists): it says nothing of it.
 */
export function goodbyeScreen(): Screen {
  return { node: 'exit', end: true, body: [{ key: 'common.goodbye' }], items: [], options: [], nav: { more: false, back: false, home: false, exit: false } };
}
