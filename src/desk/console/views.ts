import crypto from 'node:crypto';
import type { DeskIntake } from '../../caseLink/deskIntake';
import { CLOSE_REASONS, isSupervisor, OUTCOMES, type Actor } from '../../caseLink/types';
import { html, raw, type Raw } from './html';
import { translate, type ConsoleLang } from './i18n';

/** The whole stylesheet, inline (one request per page); allowed by its hash in the CSP. */
export const CSS = `body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:48rem;padding:.5rem;color:#111}
header{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;border-bottom:2px solid #5a2a82;padding-bottom:.4rem}
header strong{color:#5a2a82;margin-right:auto}a{color:#5a2a82}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left}
form.inline{display:inline}button{font:inherit;padding:.4rem .8rem;margin:.2rem 0;border:1px solid #5a2a82;background:#fff;border-radius:4px}
button.main{background:#5a2a82;color:#fff}.note{background:#fff6d6;padding:.5rem;border-left:4px solid #d9a400}
.error{background:#fde2e2;padding:.5rem;border-left:4px solid #b00}.number{font-size:1.8rem;letter-spacing:.1rem;font-weight:bold}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem}dt{font-weight:bold}fieldset{border:1px solid #ccc;margin:.6rem 0}
label{display:block;margin:.2rem 0}input[type=text],input[type=password],select{font:inherit;padding:.3rem;max-width:100%}`;
export const CSS_HASH = `'sha256-${crypto.createHash('sha256').update(CSS).digest('base64')}'`;

export interface PageContext {
  lang: ConsoleLang;
  actor?: Actor & { name: string };
  csrf?: string;
  now: Date;
}

const tr = (p: PageContext, key: string, params?: Record<string, string | number>) => translate(p.lang, key, params);

/** A whole page: small, no script, readable on a feature-phone browser. */
export function page(p: PageContext, title: string, body: Raw, options: { refresh?: { seconds: number; url: string } } = {}): string {
  const nav = p.actor
    ? html`<a href="/console/">${tr(p, 'nav.queue')}</a> <a href="/console/caseload">${tr(p, 'nav.caseload')}</a>
<form class="inline" method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${p.csrf}"><button>${tr(p, 'nav.logout')}</button></form>`
    : '';
  const other = p.lang === 'fr' ? 'en' : 'fr';
  return `<!doctype html>
<html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${options.refresh ? html`<meta http-equiv="refresh" content="${options.refresh.seconds};url=${options.refresh.url}">` : ''}<title>${html`${title}`} · Passerelle</title><style>${CSS}</style></head>
<body><header><strong>Passerelle</strong>${nav}<a href="/console/lang?to=${other}" hreflang="${other}">${html`${tr(p, 'nav.lang')}`}</a></header>
<main><h1>${html`${title}`}</h1>
${body}</main></body></html>`;
}

export function loginPage(p: PageContext, loginCsrf: string, error?: string): string {
  return page(
    p,
    tr(p, 'login.title'),
    html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/console/login">
<input type="hidden" name="_csrf" value="${loginCsrf}">
<label>${tr(p, 'login.name')}<br><input type="text" name="name" autocomplete="username" required maxlength="80"></label>
<label>${tr(p, 'login.password')}<br><input type="password" name="password" autocomplete="current-password" required maxlength="200"></label>
<button class="main">${tr(p, 'login.submit')}</button></form>`,
  );
}

function age(p: PageContext, from: Date): string {
  const minutes = Math.max(0, Math.floor((p.now.getTime() - from.getTime()) / 60_000));
  if (minutes < 60) return tr(p, 'age.minutes', { n: minutes });
  if (minutes < 48 * 60) return tr(p, 'age.hours', { n: Math.floor(minutes / 60) });
  return tr(p, 'age.days', { n: Math.floor(minutes / 1440) });
}

function intakeTable(p: PageContext, intakes: DeskIntake[], withStatus: boolean): Raw {
  return html`<table><thead><tr><th>${tr(p, 'col.reference')}</th><th>${tr(p, 'col.queue')}</th><th>${tr(p, 'col.language')}</th><th>${tr(p, 'col.window')}</th><th>${tr(p, 'col.caller')}</th><th>${tr(p, withStatus ? 'col.attempts' : 'col.age')}</th></tr></thead><tbody>
${intakes.map(
  (i) =>
    html`<tr><td><a href="/console/intakes/${i.id}">${i.label}</a></td><td>${tr(p, `queue.${i.queue}`)}</td><td>${tr(p, `lang.${i.language}`)}</td><td>${tr(p, `window.${i.timeWindow}`)}</td><td>${tr(p, `caller.${i.callerGender}`)}</td><td>${withStatus ? i.attempts : age(p, i.createdAt)}</td></tr>
`,
)}</tbody></table>`;
}

export function queuePage(p: PageContext, intakes: DeskIntake[], caseload: { active: number; limit: number }): string {
  return page(
    p,
    tr(p, 'queue.title'),
    html`<p>${tr(p, 'queue.caseload', { active: caseload.active, limit: caseload.limit })}</p>
${intakes.length ? intakeTable(p, intakes, false) : html`<p>${tr(p, 'queue.empty')}</p>`}`,
  );
}

export function caseloadPage(p: PageContext, caseload: { intakes: DeskIntake[]; active: number; limit: number; warning: boolean }): string {
  return page(
    p,
    tr(p, 'caseload.title'),
    html`${caseload.warning ? html`<p class="note" role="status">${tr(p, 'caseload.warning', { active: caseload.active, limit: caseload.limit })}</p>` : ''}
${caseload.intakes.length ? intakeTable(p, caseload.intakes, true) : html`<p>${tr(p, 'caseload.empty')}</p>`}
<form method="post" action="/console/telegram-link"><input type="hidden" name="_csrf" value="${p.csrf}"><button>${tr(p, 'telegram.link')}</button></form>`,
  );
}

export function linkCodePage(p: PageContext, code: string): string {
  return page(p, tr(p, 'telegram.title'), html`<p class="note">${tr(p, 'telegram.code', { code })}</p><p><a href="/console/caseload">${tr(p, 'nav.caseload')}</a></p>`);
}

export interface IntakeView {
  intake: DeskIntake;
  /** Set only in the response to a reveal request; never in a URL. */
  revealed?: { contact: string; cover: string };
  notice?: string;
  error?: string;
  canClaim: boolean;
}

export function intakePage(p: PageContext, view: IntakeView): string {
  const { intake } = view;
  const actor = p.actor!;
  const mine = intake.status === 'claimed' && intake.claimedById === actor.id;
  const supervisor = isSupervisor(actor);
  const csrf = html`<input type="hidden" name="_csrf" value="${p.csrf}">`;
  const action = (name: string) => `/console/intakes/${intake.id}/${name}`;
  const date = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const parts: Raw[] = [];
  if (view.notice) parts.push(html`<p class="note" role="status">${view.notice}</p>`);
  if (view.error) parts.push(html`<p class="error" role="alert">${view.error}</p>`);
  parts.push(html`<dl>
<dt>${tr(p, 'col.status')}</dt><dd id="status">${tr(p, `status.${intake.status}`)}</dd>
<dt>${tr(p, 'col.queue')}</dt><dd>${tr(p, `queue.${intake.queue}`)}</dd>
<dt>${tr(p, 'intake.subject')}</dt><dd>${tr(p, `subject.${intake.subject}`)}</dd>
<dt>${tr(p, 'col.language')}</dt><dd>${tr(p, `lang.${intake.language}`)}</dd>
<dt>${tr(p, 'col.caller')}</dt><dd>${tr(p, `caller.${intake.callerGender}`)}</dd>
<dt>${tr(p, 'col.window')}</dt><dd>${tr(p, `window.${intake.timeWindow}`)}</dd>
<dt>${tr(p, 'intake.cover')}</dt><dd>${tr(p, `cover.${intake.cover}`)}</dd>
<dt>${tr(p, 'intake.channel')}</dt><dd>${intake.channel}</dd>
<dt>${tr(p, 'intake.created')}</dt><dd>${date(intake.createdAt)} (${age(p, intake.createdAt)})</dd>
<dt>${tr(p, 'col.attempts')}</dt><dd>${intake.attempts}</dd>
${intake.lastOutcome ? html`<dt>${tr(p, 'intake.lastOutcome')}</dt><dd>${tr(p, `outcome.${intake.lastOutcome}`)}</dd>` : ''}
${intake.closeReason ? html`<dt>${tr(p, 'intake.reason')}</dt><dd>${tr(p, `reason.${intake.closeReason}`)}</dd>` : ''}
</dl>`);

  if (intake.status === 'pending' && view.canClaim) {
    parts.push(html`<form method="post" action="${action('claim')}">${csrf}
${supervisor ? html`<label><input type="checkbox" name="override" value="1"> ${tr(p, 'intake.override')}</label>` : ''}
<button class="main" id="claim">${tr(p, 'intake.claim')}</button></form>`);
  } else if (intake.status === 'claimed' && !mine) {
    parts.push(html`<p>${tr(p, 'intake.notYours')}</p>`);
  } else if (!['pending', 'claimed'].includes(intake.status)) {
    parts.push(html`<p>${tr(p, 'intake.ended')}</p>`);
  }

  if (mine) {
    parts.push(
      view.revealed
        ? html`<fieldset><legend>${tr(p, 'intake.number')}</legend><p class="number" id="number">${view.revealed.contact}</p>
<p>${tr(p, 'intake.cover')} : <strong>${tr(p, `cover.${view.revealed.cover}`)}</strong></p><p>${tr(p, 'intake.revealNote')}</p>
<p><a href="/console/intakes/${intake.id}" id="hide">${tr(p, 'intake.hide')}</a></p></fieldset>`
        : html`<form method="post" action="${action('reveal')}">${csrf}<button id="reveal">${tr(p, 'intake.reveal')}</button></form>`,
    );
    parts.push(html`<form method="post" action="${action('outcome')}">${csrf}<fieldset><legend>${tr(p, 'intake.outcome')}</legend>
${OUTCOMES.map((o) => html`<label><input type="radio" name="outcome" value="${o}" required> ${tr(p, `outcome.${o}`)}</label>`)}
<button id="record">${tr(p, 'intake.record')}</button></fieldset></form>
<form method="post" action="${action('close')}">${csrf}<fieldset><legend>${tr(p, 'intake.close')}</legend>
<label>${tr(p, 'intake.reason')} <select name="reason" required>${CLOSE_REASONS.map((r) => html`<option value="${r}">${tr(p, `reason.${r}`)}</option>`)}</select></label>
<button id="close">${tr(p, 'intake.close')}</button></fieldset></form>
${intake.lastOutcome === 'reached' ? html`<form method="post" action="${action('handoff')}">${csrf}<button id="handoff">${tr(p, 'intake.handoff')}</button></form>` : ''}
<form method="post" action="${action('release')}">${csrf}<button id="release">${tr(p, 'intake.release')}</button></form>`);
  }
  parts.push(html`<p><a href="/console/">${tr(p, 'intake.back')}</a></p>`);
  return page(p, tr(p, 'intake.title', { reference: intake.label }), raw(parts.map(String).join('\n')), view.revealed ? { refresh: { seconds: 60, url: `/console/intakes/${intake.id}` } } : {});
}

export function errorPage(p: PageContext, message: string): string {
  return page(p, tr(p, 'error.title'), html`<p class="error" role="alert">${message}</p><p><a href="/console/">${tr(p, 'intake.back')}</a></p>`);
}
