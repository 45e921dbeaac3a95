import crypto from 'node:crypto';
import { reachedInThisClaim, type DeskIntake } from '../../caseLink/deskIntake';
import { storedConsent } from '../../caseLink/recordConsent';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { handoffError, minutesLeft } from '../presenters';
import { CLOSE_REASONS, isSupervisor, OUTCOMES, type Actor } from '../../caseLink/types';
import { html, raw, type Raw } from './html';
import { translate, type ConsoleLang } from './i18n';

/** The whole stylesheet, inline (one request per page); allowed by its hash in the CSP. */
export const CSS = `body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:48rem;padding:.5rem;color:#111}
header{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;border-bottom:2px solid #5a2a82;padding-bottom:.4rem}
header strong{color:#5a2a82;margin-right:auto}nav{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}a{color:#5a2a82}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left}
form.inline{display:inline}button{font:inherit;padding:.4rem .8rem;margin:.2rem 0;border:1px solid #5a2a82;background:#fff;border-radius:4px}
button.main{background:#5a2a82;color:#fff}.note{background:#fff6d6;padding:.5rem;border-left:4px solid #d9a400}
.error{background:#fde2e2;padding:.5rem;border-left:4px solid #b00}.number{font-size:1.8rem;letter-spacing:.1rem;font-weight:bold}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem}dt{font-weight:bold}fieldset{border:1px solid #ccc;margin:.6rem 0}
label{display:block;margin:.2rem 0}input[type=text],input[type=password],select{font:inherit;padding:.3rem;max-width:100%}
a.button{display:inline-block;padding:.4rem .8rem;border:1px solid #5a2a82;border-radius:4px;text-decoration:none}
.revealed{animation:hide 0s linear 60s forwards}@keyframes hide{to{visibility:hidden;height:0;overflow:hidden}}
td.warning{background:#fff6d6}td.limit,td.over{background:#fde2e2;font-weight:bold}code.token{word-break:break-all;font-size:1.1rem}`;
export const CSS_HASH = `'sha256-${crypto.createHash('sha256').update(CSS).digest('base64')}'`;

export interface PageContext {
  lang: ConsoleLang;
  actor?: Actor & { name: string };
  csrf?: string;
  now: Date;
  /** The deployment's IANA time zone (TIME_ZONE): every time is shown in it. */
  timeZone: string;
  /** INTAKE_TTL_HOURS: what the screens promised the person. */
  ttlHours: number;
  /** MAX_CALL_ATTEMPTS. */
  maxAttempts: number;
}

const tr = (p: PageContext, key: string, params?: Record<string, string | number>) => translate(p.lang, key, params);

/** A whole page: small, no script, readable on a feature-phone browser. */
export function page(p: PageContext, title: string, body: Raw): string {
  const nav = p.actor
    ? html`<a href="/console/">${tr(p, 'nav.queue')}</a> <a href="/console/caseload">${tr(p, 'nav.caseload')}</a>
${isSupervisor(p.actor) ? html`<a href="/console/supervision">${tr(p, 'nav.supervision')}</a> <a href="/console/stats">${tr(p, 'nav.stats')}</a>` : ''}
${p.actor.role === 'admin' ? html`<a href="/console/staff">${tr(p, 'nav.staff')}</a>` : ''}
<form class="inline" method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${p.csrf}"><button>${tr(p, 'nav.logout')}</button></form>`
    : '';
  const other = p.lang === 'fr' ? 'en' : 'fr';
  return `<!doctype html>
<html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${html`${title}`} · Passerelle</title><style>${CSS}</style></head>
<body><header><strong>Passerelle</strong><nav>${nav}<a href="/console/lang?to=${other}" hreflang="${other}" lang="${other}">${html`${tr(p, 'nav.lang')}`}</a></nav></header>
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

/** A duration in minutes as people read it: 12 min, 5 h, 3 j. */
export function duration(p: PageContext, minutes: number): string {
  if (minutes < 60) return tr(p, 'age.minutes', { n: minutes });
  if (minutes < 48 * 60) return tr(p, 'age.hours', { n: Math.floor(minutes / 60) });
  return tr(p, 'age.days', { n: Math.floor(minutes / 1440) });
}

export function age(p: PageContext, from: Date): string {
  return duration(p, Math.max(0, Math.floor((p.now.getTime() - from.getTime()) / 60_000)));
}

/** Time left before the number is destroyed, or a dash once the request has ended. */
export function timeLeft(p: PageContext, intake: Pick<DeskIntake, 'status' | 'expiresAt'>): string {
  const minutes = minutesLeft(intake, p.now);
  return minutes === null ? '—' : duration(p, minutes);
}

/** A date and time in the deployment's time zone, in the page's language. */
export function localTime(p: Pick<PageContext, 'lang' | 'timeZone'>, d: Date): string {
  return new Intl.DateTimeFormat(p.lang === 'fr' ? 'fr-FR' : 'en-GB', { timeZone: p.timeZone, dateStyle: 'short', timeStyle: 'short' }).format(d);
}

function intakeTable(p: PageContext, intakes: DeskIntake[]): Raw {
  return html`<table><thead><tr><th>${tr(p, 'col.reference')}</th><th>${tr(p, 'col.queue')}</th><th>${tr(p, 'col.language')}</th><th>${tr(p, 'col.window')}</th><th>${tr(p, 'col.caller')}</th><th>${tr(p, 'col.attempts')}</th><th>${tr(p, 'col.age')}</th><th>${tr(p, 'col.timeLeft')}</th></tr></thead><tbody>
${intakes.map(
  (i) =>
    html`<tr><td><a href="/console/intakes/${i.id}">${i.label}</a></td><td>${tr(p, `queue.${i.queue}`)}</td><td>${tr(p, `lang.${i.language}`)}</td><td>${tr(p, `window.${i.timeWindow}`)}</td><td>${tr(p, `caller.${i.callerGender}`)}</td><td>${i.attempts}/${p.maxAttempts}</td><td>${age(p, i.createdAt)}</td><td>${timeLeft(p, i)}</td></tr>
`,
)}</tbody></table>`;
}

/** Requests the caseworker held that ran out of time: why they are gone. */
function expiredList(p: PageContext, expired: DeskIntake[]): Raw | string {
  if (expired.length === 0) return '';
  return html`<section aria-labelledby="expired"><h2 id="expired">${tr(p, 'expired.title')}</h2><p class="note" role="status">${tr(p, 'expired.note', { hours: p.ttlHours })}</p>
<ul>${expired.map((i) => html`<li><a href="/console/intakes/${i.id}">${i.label}</a> — ${i.endedAt ? localTime(p, i.endedAt) : ''}</li>`)}</ul></section>`;
}

export function queuePage(p: PageContext, intakes: DeskIntake[], caseload: { active: number; limit: number; expired: DeskIntake[] }, notice?: string): string {
  return page(
    p,
    tr(p, 'queue.title'),
    html`${notice ? html`<p class="note" role="status">${notice}</p>` : ''}<p>${tr(p, 'queue.caseload', { active: caseload.active, limit: caseload.limit })}</p>
${expiredList(p, caseload.expired)}
${intakes.length ? intakeTable(p, intakes) : html`<p>${tr(p, 'queue.empty')}</p>`}`,
  );
}

export function caseloadPage(p: PageContext, caseload: { intakes: DeskIntake[]; active: number; limit: number; warning: boolean; expired: DeskIntake[] }): string {
  return page(
    p,
    tr(p, 'caseload.title'),
    html`${caseload.warning ? html`<p class="note" role="status">${tr(p, 'caseload.warning', { active: caseload.active, limit: caseload.limit })}</p>` : ''}
${caseload.intakes.length ? intakeTable(p, caseload.intakes) : html`<p>${tr(p, 'caseload.empty')}</p>`}
${expiredList(p, caseload.expired)}
<form method="post" action="/console/telegram-link"><input type="hidden" name="_csrf" value="${p.csrf}"><button>${tr(p, 'telegram.link')}</button></form>`,
  );
}

export function linkCodePage(p: PageContext, code: string): string {
  return page(p, tr(p, 'telegram.title'), html`<p class="note">${tr(p, 'telegram.code', { code })}</p><p><a href="/console/caseload">${tr(p, 'nav.caseload')}</a></p>`);
}

/** A hand-off's state as the intake page shows it. */
type HandoffState = { status: string; attempts: number; nextAttemptAt: Date; deliveredAt: Date | null; failedAt: Date | null; lastError: string | null };

export interface IntakeView {
  /** With its latest hand-off once handed off (getIntake). */
  intake: DeskIntake & { handoff?: HandoffState | null };
  /** Set only in the response to a reveal request; never in a URL. */
  revealed?: { contact: string; cover: string };
  notice?: string;
  error?: string;
  canClaim: boolean;
  /** An outcome that would destroy the number, waiting for the caseworker to confirm it. */
  confirmOutcome?: string;
}

/** A number as staff dial it: formatted for reading, and a `tel:` link a phone or softphone can call. */
function dialable(contact: string): Raw {
  const parsed = parsePhoneNumberFromString(contact);
  const shown = parsed ? parsed.formatInternational() : contact;
  return html`<a href="tel:${parsed ? parsed.number : contact}">${shown}</a>`;
}

/** Where the hand-off stands, so that a refused one is seen: the fields refused (never their values), or the account refused. */
function handoffStatus(p: PageContext, handoff: HandoffState): Raw {
  const error = handoffError(handoff.lastError);
  if (handoff.status === 'delivered') return html`<p class="note" id="handoff-status">${tr(p, 'handoff.delivered', { at: localTime(p, handoff.deliveredAt ?? handoff.nextAttemptAt) })}</p>`;
  if (handoff.status === 'pending') return html`<p class="note" id="handoff-status">${tr(p, 'handoff.pending', { attempts: handoff.attempts, at: localTime(p, handoff.nextAttemptAt) })}</p>`;
  const why =
    error?.code === 'invalid_fields'
      ? tr(p, 'handoff.error.invalid_fields', { fields: error.pointers.join(', ') || '?' })
      : error?.code === 'primero_401' || error?.code === 'primero_403'
        ? tr(p, 'handoff.error.account')
        : tr(p, 'handoff.error.other', { attempts: handoff.attempts, code: error?.code ?? '?' });
  return html`<p class="error" role="alert" id="handoff-status">${tr(p, 'handoff.failed')} ${why}</p>`;
}

export function intakePage(p: PageContext, view: IntakeView): string {
  const { intake } = view;
  const actor = p.actor!;
  const mine = intake.status === 'claimed' && intake.claimedById === actor.id;
  const supervisor = isSupervisor(actor);
  const csrf = html`<input type="hidden" name="_csrf" value="${p.csrf}">`;
  const action = (name: string) => `/console/intakes/${intake.id}/${name}`;
  const open = intake.status === 'pending' || intake.status === 'claimed';
  const parts: Raw[] = [];
  if (view.notice) parts.push(html`<p class="note" role="status">${view.notice}</p>`);
  if (view.error) parts.push(html`<p class="error" role="alert">${view.error}</p>`);
  if (view.confirmOutcome && mine) {
    const lastAttempt = view.confirmOutcome === 'no_answer' || view.confirmOutcome === 'unsafe';
    const question = tr(p, lastAttempt ? 'confirm.lastAttempt' : 'confirm.outcome', { outcome: tr(p, `outcome.${view.confirmOutcome}`), max: p.maxAttempts });
    parts.push(html`<form method="post" action="${action('outcome')}" class="error" role="alert">${csrf}<input type="hidden" name="outcome" value="${view.confirmOutcome}"><input type="hidden" name="confirm" value="1">
<p>${question}</p><button class="main" id="confirm-outcome">${tr(p, 'confirm.yes')}</button> <a href="/console/intakes/${intake.id}">${tr(p, 'confirm.back')}</a></form>`);
  }
  parts.push(html`<dl>
<dt>${tr(p, 'col.status')}</dt><dd id="status">${tr(p, `status.${intake.status}`)}</dd>
<dt>${tr(p, 'col.queue')}</dt><dd>${tr(p, `queue.${intake.queue}`)}</dd>
<dt>${tr(p, 'intake.subject')}</dt><dd>${tr(p, `subject.${intake.subject}`)}</dd>
<dt>${tr(p, 'intake.topic')}</dt><dd>${tr(p, `topic.${intake.topic ?? 'none'}`)}</dd>
<dt>${tr(p, 'col.language')}</dt><dd>${tr(p, `lang.${intake.language}`)}</dd>
<dt>${tr(p, 'col.caller')}</dt><dd>${tr(p, `caller.${intake.callerGender}`)}</dd>
<dt>${tr(p, 'col.window')}</dt><dd>${tr(p, `window.${intake.timeWindow}`)}</dd>
<dt>${tr(p, 'intake.cover')}</dt><dd>${tr(p, `cover.${intake.cover}`)}</dd>
<dt>${tr(p, 'intake.channel')}</dt><dd>${intake.channel}</dd>
<dt>${tr(p, 'intake.created')}</dt><dd>${localTime(p, intake.createdAt)} (${age(p, intake.createdAt)})</dd>
${open ? html`<dt>${tr(p, 'intake.timeLeft')}</dt><dd id="time-left">${timeLeft(p, intake)} (${localTime(p, intake.expiresAt)})</dd>` : ''}
<dt>${tr(p, 'col.attempts')}</dt><dd>${intake.attempts}/${p.maxAttempts}</dd>
${intake.lastOutcome ? html`<dt>${tr(p, 'intake.lastOutcome')}</dt><dd>${tr(p, `outcome.${intake.lastOutcome}`)}</dd>` : ''}
${storedConsent(intake) ? html`<dt>${tr(p, 'intake.consent')}</dt><dd id="consent">${consentText(p, intake)}</dd>` : ''}
${intake.closeReason ? html`<dt>${tr(p, 'intake.reason')}</dt><dd>${tr(p, `reason.${intake.closeReason}`, { hours: p.ttlHours })}</dd>` : ''}
</dl>`);

  if (intake.handoff) parts.push(handoffStatus(p, intake.handoff));

  if (intake.status === 'pending' && view.canClaim) {
    parts.push(html`<form method="post" action="${action('claim')}">${csrf}
${supervisor ? html`<label><input type="checkbox" name="override" value="1"> ${tr(p, 'intake.override')}</label>` : ''}
<button class="main" id="claim">${tr(p, 'intake.claim')}</button></form>`);
  } else if (intake.status === 'claimed' && !mine) {
    parts.push(html`<p>${tr(p, 'intake.notYours')}</p>`);
  } else if (intake.status === 'expired' && intake.closeReason === 'retention') {
    parts.push(html`<p class="note">${tr(p, 'intake.expiredRetention', { hours: p.ttlHours })}</p>`);
  } else if (!open) {
    parts.push(html`<p>${tr(p, 'intake.ended')}</p>`);
  }

  if (mine) {
    parts.push(
      view.revealed
        ? html`<fieldset class="revealed" id="revealed"><legend>${tr(p, 'intake.number')}</legend><p class="number" id="number">${dialable(view.revealed.contact)}</p>
<p>${tr(p, 'intake.cover')} : <strong>${tr(p, `cover.${view.revealed.cover}`)}</strong></p><p>${tr(p, 'intake.revealNote')}</p></fieldset>
<p><a class="button" href="/console/intakes/${intake.id}" id="hide">${tr(p, 'intake.hide')}</a></p>`
        : html`<form method="post" action="${action('reveal')}">${csrf}<button id="reveal">${tr(p, 'intake.reveal')}</button></form>`,
    );
    parts.push(html`<form method="post" action="${action('outcome')}">${csrf}<fieldset><legend>${tr(p, 'intake.outcome')}</legend>
${OUTCOMES.map((o) => html`<label><input type="radio" name="outcome" value="${o}" required> ${tr(p, `outcome.${o}`)}</label>`)}
<button id="record">${tr(p, 'intake.record')}</button></fieldset></form>
<form method="post" action="${action('close')}">${csrf}<fieldset><legend>${tr(p, 'intake.close')}</legend>
<label>${tr(p, 'intake.reason')} <select name="reason" required>${CLOSE_REASONS.map((r) => html`<option value="${r}">${tr(p, `reason.${r}`)}</option>`)}</select></label>
<label><input type="checkbox" name="confirm" value="1" required id="close-confirm"> ${tr(p, 'intake.closeConfirm')}</label>
<button id="close">${tr(p, 'intake.close')}</button></fieldset></form>
${reachedInThisClaim(intake) ? handoffForm(p, intake, action('handoff'), csrf) : ''}
<form method="post" action="${action('release')}">${csrf}<button id="release">${tr(p, 'intake.release')}</button></form>`);
  }
  if (supervisor && open) parts.push(html`<p><a href="/console/supervision/reassign/${intake.id}" id="to-reassign">${tr(p, 'supervision.reassign')}</a></p>`);
  parts.push(html`<p><a href="/console/">${tr(p, 'intake.back')}</a></p>`);
  return page(p, tr(p, 'intake.title', { reference: intake.label }), raw(parts.map(String).join('\n')));
}

/** The consents the person gave, in words ("none" when they refused them all). */
function consentText(p: PageContext, intake: DeskIntake): string {
  const consent = storedConsent(intake);
  const given = (['services', 'shareWithOrganisations', 'shareNumber'] as const).filter((k) => consent?.[k]);
  return given.length ? given.map((k) => tr(p, `consent.${k}`)).join(' ; ') : tr(p, 'consent.none');
}

/**
 * Hand-off with the consent asked during the call: three boxes, ticked only when the person
 * said yes (a box recorded earlier comes back ticked). Without consent to services the
 * hand-off is refused and the page says why.
 */
function handoffForm(p: PageContext, intake: DeskIntake, target: string, csrf: Raw): Raw {
  const consent = storedConsent(intake);
  const box = (name: string, checked: boolean | null, note = '') =>
    html`<label><input type="checkbox" name="${name}" value="1" id="consent-${name}"${checked ? raw(' checked') : ''}> ${tr(p, `consent.${name}`)}${note}</label>`;
  return html`<form method="post" action="${target}">${csrf}<fieldset><legend>${tr(p, 'intake.handoff')}</legend>
<p>${tr(p, 'consent.ask')}</p>
${box('services', consent?.services ?? null, ` ${tr(p, 'consent.required')}`)}
${box('shareWithOrganisations', consent?.shareWithOrganisations ?? null)}
${box('shareNumber', consent?.shareNumber ?? null)}
<button id="handoff">${tr(p, 'intake.handoffButton')}</button></fieldset></form>`;
}

export function errorPage(p: PageContext, message: string): string {
  return page(p, tr(p, 'error.title'), html`<p class="error" role="alert">${message}</p><p><a href="/console/">${tr(p, 'intake.back')}</a></p>`);
}
