import type { DeskIntake } from '../../caseLink/deskIntake';
import type { Level, SupervisionOverview } from '../../caseLink/supervisionOverview';
import type { StaffSummary } from '../staffLifecycle';
import { html, raw, type Raw } from './html';
import { hasText, translate } from './i18n';
import { age, localTime, page, timeLeft, type PageContext } from './views';

const tr = (p: PageContext, key: string, params?: Record<string, string | number>) => translate(p.lang, key, params);
const csrfField = (p: PageContext) => html`<input type="hidden" name="_csrf" value="${p.csrf}">`;
const notice = (text?: string) => (text ? html`<p class="note" role="status">${text}</p>` : '');
const failure = (text?: string) => (text ? html`<p class="error" role="alert">${text}</p>` : '');

/** A count against its marks, in a cell coloured by level, with the level said in words (colour is not enough). */
function levelCell(p: PageContext, count: number, limit: number, level: Level): Raw {
  return html`<td class="${level}">${count}/${limit}${level === 'ok' ? '' : html` · ${tr(p, `level.${level}`)}`}</td>`;
}

/** Rows of each list the overview page shows (all are counted): with a few dozen caseworkers the page stays under 30 KB. */
export const PAGE_LIST_MAX = 15;

/** The supervisor's desk: stale claims first (they need someone to act), then caseloads, supervision and the queue. */
export function supervisionPage(p: PageContext, o: SupervisionOverview, done?: string): string {
  const m = o.marks;
  const staleShown = o.staleClaims.slice(0, PAGE_LIST_MAX);
  const nearShown = o.queue.nearExpiryIntakes.slice(0, PAGE_LIST_MAX);
  const more = (n: number) => (n > 0 ? html`<p>${tr(p, 'supervision.staleMore', { n })}</p>` : '');
  const stale = staleShown.length
    ? html`<table><thead><tr><th>${tr(p, 'col.reference')}</th><th>${tr(p, 'col.queue')}</th><th>${tr(p, 'col.language')}</th><th>${tr(p, 'col.heldBy')}</th><th>${tr(p, 'col.claimedFor')}</th><th>${tr(p, 'col.timeLeft')}</th><th>${tr(p, 'col.announced')}</th><th></th></tr></thead><tbody>
${staleShown.map(
  (s) =>
    html`<tr><td><a href="/console/intakes/${s.intakeId}">${s.label}</a></td><td>${tr(p, `queue.${s.queue}`)}</td><td>${tr(p, `lang.${s.language}`)}</td><td>${s.staffName}</td><td>${age(p, s.claimedAt)}</td><td>${timeLeft(p, { status: 'claimed', expiresAt: s.expiresAt })}</td><td>${tr(p, s.announcedAt ? 'yes' : 'no')}</td><td><a href="/console/supervision/reassign/${s.intakeId}">${tr(p, 'supervision.reassign')}</a></td></tr>
`,
)}</tbody></table>${more(o.staleCount - staleShown.length)}`
    : html`<p>${tr(p, 'supervision.staleNone', { hours: m.staleClaimHours })}</p>`;

  const caseloads = o.caseloads.length
    ? html`<table><thead><tr><th>${tr(p, 'col.name')}</th><th>${tr(p, 'col.supervisor')}</th><th>${tr(p, 'col.active')}</th><th>${tr(p, 'col.stale')}</th></tr></thead><tbody>
${o.caseloads.map(
  (c) =>
    html`<tr><td><a href="/console/supervision/staff/${c.staffId}">${c.name}</a>${c.role === 'caseworker' ? '' : html` (${tr(p, `role.${c.role}`)})`}</td><td>${c.supervisorName ?? '—'}</td>${levelCell(p, c.active, m.caseloadLimit, c.level)}<td>${c.stale || ''}</td></tr>
`,
)}</tbody></table>`
    : html`<p>${tr(p, 'supervision.none')}</p>`;

  const supervisors = o.supervisors.length
    ? html`<table><thead><tr><th>${tr(p, 'col.name')}</th><th>${tr(p, 'col.caseworkers')}</th></tr></thead><tbody>
${o.supervisors.map(
  (s) => html`<tr><td>${s.name}${s.role === 'admin' ? html` (${tr(p, 'role.admin')})` : ''}</td>${levelCell(p, s.caseworkers, m.supervisionLimit, s.level)}</tr>
`,
)}</tbody></table>`
    : html`<p>${tr(p, 'supervision.none')}</p>`;

  const q = o.queue;
  const queue = q.pending
    ? html`<p>${tr(p, 'supervision.queueSummary', { pending: q.pending, oldest: q.oldestPendingAt ? age(p, q.oldestPendingAt) : '—', near: q.nearExpiry, hours: m.nearExpiryHours })}</p>
<table><thead><tr><th>${tr(p, 'col.queue')}</th><th>${tr(p, 'col.language')}</th><th>${tr(p, 'col.pending')}</th><th>${tr(p, 'col.oldest')}</th><th>${tr(p, 'col.nearExpiry')}</th></tr></thead><tbody>
${q.byQueue.map(
  (
    r,
  ) => html`<tr><td>${tr(p, `queue.${r.queue}`)}</td><td>${tr(p, `lang.${r.language}`)}</td><td>${r.pending}</td><td>${age(p, r.oldestCreatedAt)}</td><td class="${r.nearExpiry ? 'warning' : ''}">${r.nearExpiry}</td></tr>
`,
)}</tbody></table>`
    : html`<p>${tr(p, 'supervision.queueEmpty')}</p>`;
  const near = nearShown.length
    ? html`<section aria-labelledby="near"><h2 id="near">${tr(p, 'supervision.nearExpiry')}</h2><p>${tr(p, 'supervision.nearNote', { hours: m.nearExpiryHours })}</p>
<table><thead><tr><th>${tr(p, 'col.reference')}</th><th>${tr(p, 'col.queue')}</th><th>${tr(p, 'col.language')}</th><th>${tr(p, 'col.caller')}</th><th>${tr(p, 'col.timeLeft')}</th><th></th></tr></thead><tbody>
${nearShown.map(
  (i) =>
    html`<tr><td><a href="/console/intakes/${i.intakeId}">${i.label}</a></td><td>${tr(p, `queue.${i.queue}`)}</td><td>${tr(p, `lang.${i.language}`)}</td><td>${tr(p, `caller.${i.callerGender}`)}</td><td>${timeLeft(p, { status: 'pending', expiresAt: i.expiresAt })}</td><td><a href="/console/supervision/reassign/${i.intakeId}">${tr(p, 'supervision.reassign')}</a></td></tr>
`,
)}</tbody></table>${more(q.nearExpiry - nearShown.length)}</section>`
    : '';

  return page(
    p,
    tr(p, 'supervision.title'),
    html`${notice(done)}<p>${tr(p, 'supervision.generated', { time: localTime(p, o.generatedAt) })}</p>
<section aria-labelledby="stale"><h2 id="stale">${tr(p, 'supervision.stale')}</h2><p>${tr(p, 'supervision.staleNote', { hours: m.staleClaimHours })}</p>
${stale}</section>
<section aria-labelledby="caseloads"><h2 id="caseloads">${tr(p, 'supervision.caseloads')}</h2><p>${tr(p, 'supervision.caseloadsNote', { warning: m.caseloadWarning, limit: m.caseloadLimit })}</p>
${caseloads}</section>
<section aria-labelledby="supervisors"><h2 id="supervisors">${tr(p, 'supervision.supervisors')}</h2><p>${tr(p, 'supervision.supervisorsNote', { warning: m.supervisionWarning, limit: m.supervisionLimit })}</p>
${supervisors}${o.unsupervised.length ? html`<p class="note">${tr(p, 'supervision.unsupervised', { names: o.unsupervised.map((u) => u.name).join(', ') })}</p>` : ''}</section>
<section aria-labelledby="queue"><h2 id="queue">${tr(p, 'supervision.queue')}</h2>
${queue}</section>
${near}`,
  );
}

/** One staff member's claims, each with a way to reassign it. */
export function staffCaseloadPage(p: PageContext, name: string, caseload: { intakes: DeskIntake[]; active: number; limit: number }): string {
  const rows = caseload.intakes.map(
    (i) =>
      html`<tr><td><a href="/console/intakes/${i.id}">${i.label}</a></td><td>${tr(p, `queue.${i.queue}`)}</td><td>${tr(p, `lang.${i.language}`)}</td><td>${i.claimedAt ? age(p, i.claimedAt) : '—'}</td><td>${i.lastOutcome ? tr(p, `outcome.${i.lastOutcome}`) : '—'}</td><td>${timeLeft(p, i)}</td><td><a href="/console/supervision/reassign/${i.id}">${tr(p, 'supervision.reassign')}</a></td></tr>
`,
  );
  return page(
    p,
    tr(p, 'staffload.title', { name }),
    html`<p>${tr(p, 'queue.caseload', { active: caseload.active, limit: caseload.limit })}</p>
${
  rows.length
    ? html`<table><thead><tr><th>${tr(p, 'col.reference')}</th><th>${tr(p, 'col.queue')}</th><th>${tr(p, 'col.language')}</th><th>${tr(p, 'col.claimedFor')}</th><th>${tr(p, 'col.lastOutcome')}</th><th>${tr(p, 'col.timeLeft')}</th><th></th></tr></thead><tbody>
${rows}</tbody></table>`
    : html`<p>${tr(p, 'staffload.empty')}</p>`
}
<p><a href="/console/supervision">${tr(p, 'nav.supervision')}</a></p>`,
  );
}

export interface ReassignView {
  intake: DeskIntake;
  holder: { name: string } | null;
  /** Active staff who work the request's queue and language and are the caller asked for, the holder left out. */
  candidates: Array<{ id: string; name: string; active: number }>;
  limit: number;
  error?: string;
}

/** A form to give one open request to another eligible staff member. */
export function reassignPage(p: PageContext, view: ReassignView): string {
  const { intake } = view;
  const open = intake.status === 'pending' || intake.status === 'claimed';
  const held = intake.status === 'claimed' && view.holder && intake.claimedAt ? tr(p, 'reassign.heldBy', { name: view.holder.name, age: age(p, intake.claimedAt) }) : tr(p, 'reassign.pending');
  let form: Raw;
  if (!open) form = html`<p>${tr(p, 'reassign.ended')}</p>`;
  else if (view.candidates.length === 0) form = html`<p>${tr(p, 'reassign.noneEligible')}</p>`;
  else
    form = html`<form method="post" action="/console/supervision/reassign/${intake.id}">${csrfField(p)}
<label>${tr(p, 'reassign.to')} <select name="staffId" id="reassign-to" required>${view.candidates.map(
      (c) => html`<option value="${c.id}">${tr(p, 'reassign.option', { name: c.name, active: c.active, limit: view.limit })}</option>`,
    )}</select></label>
<label><input type="checkbox" name="override" value="1"> ${tr(p, 'reassign.override')}</label>
<button class="main" id="reassign">${tr(p, 'reassign.submit')}</button></form>`;
  return page(
    p,
    tr(p, 'reassign.title', { reference: intake.label }),
    html`${failure(view.error)}<dl>
<dt>${tr(p, 'col.status')}</dt><dd>${tr(p, `status.${intake.status}`)}</dd>
<dt>${tr(p, 'col.queue')}</dt><dd>${tr(p, `queue.${intake.queue}`)}</dd>
<dt>${tr(p, 'col.language')}</dt><dd>${tr(p, `lang.${intake.language}`)}</dd>
<dt>${tr(p, 'col.caller')}</dt><dd>${tr(p, `caller.${intake.callerGender}`)}</dd>
${open ? html`<dt>${tr(p, 'intake.timeLeft')}</dt><dd>${timeLeft(p, intake)}</dd>` : ''}
</dl><p>${held}</p>
${form}
<p><a href="/console/supervision">${tr(p, 'nav.supervision')}</a></p>`,
  );
}

// === Statistics

/** A statistics cell as `statistics()` returns it. */
type Cell = { key: string; count: number | null };
const isCells = (v: unknown): v is Cell[] =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((c) => c !== null && typeof c === 'object' && typeof (c as Cell).key === 'string' && ((c as Cell).count === null || typeof (c as Cell).count === 'number'));
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Fields of the result that are about the table as a whole, not a table. */
const STATS_META = new Set(['from', 'to', 'minCell', 'rounding', 'total']);

/** The words for a key (`closed:resolved` → "Closed — Resolved"): each part is looked up among the console's texts, or shown as is. */
function keyLabel(p: PageContext, key: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(key)) return key;
  return key
    .split(':')
    .map((part) => {
      for (const prefix of ['stats.part', 'status', 'outcome', 'reason', 'queue', 'lang', 'channel']) {
        if (hasText(`${prefix}.${part}`)) return tr(p, `${prefix}.${part}`, { hours: p.ttlHours });
      }
      return part;
    })
    .join(' — ');
}

/** A section's title: its own text (`stats.<path>`), else the last name of its path as is. */
function sectionTitle(p: PageContext, path: string[]): string {
  const last = path[path.length - 1];
  const key = [`stats.${path.join('.')}`, `stats.${last}`].find(hasText);
  return key ? tr(p, key) : last;
}

/**
 * Every table of a statistics result, found by shape rather than by name: an array of
 * `{ key, count }` is a table; an object holding tables is a section of them (so a section
 * added to `statistics()`, such as the feedback counts, appears without a change here);
 * an array of objects each holding tables is a list of sections, titled by their `key`,
 * `id`, `name` or `question`. Anything else is left out.
 */
function statsTables(p: PageContext, value: unknown, path: string[], depth: number): Raw[] {
  const heading = (text: string) => (depth <= 0 ? html`<h2>${text}</h2>` : html`<h3>${text}</h3>`);
  if (isCells(value)) {
    return [
      html`<section>${heading(sectionTitle(p, path))}<table><thead><tr><th></th><th>${tr(p, 'col.count')}</th></tr></thead><tbody>
${value.map(
  (c) => html`<tr><td>${keyLabel(p, c.key)}</td><td>${c.count === null ? tr(p, 'stats.suppressed') : c.count}</td></tr>
`,
)}</tbody></table></section>`,
    ];
  }
  if (depth > 3) return [];
  if (isRecord(value)) {
    const inner = Object.entries(value)
      .filter(([k]) => !(depth < 0 && STATS_META.has(k)))
      .flatMap(([k, v]) => statsTables(p, v, depth < 0 ? [k] : [...path, k], depth + 1));
    if (depth < 0 || inner.length === 0) return inner;
    return [html`<section>${heading(sectionTitle(p, path))}${inner}</section>`];
  }
  if (Array.isArray(value) && value.every(isRecord)) {
    const items = value.flatMap((item, n) => {
      const name = ['key', 'id', 'name', 'question'].map((k) => (item as Record<string, unknown>)[k]).find((v) => typeof v === 'string') as string | undefined;
      return statsTables(p, item, [...path, name ?? String(n + 1)], depth + 1);
    });
    return items.length ? [html`<section>${heading(sectionTitle(p, path))}${items}</section>`] : [];
  }
  return [];
}

/** The monthly statistics (small cells suppressed, counts rounded), with a month picker. */
export function statsPage(p: PageContext, month: string, stats: { from: string; to: string; minCell: number; rounding: number; total: number | null } & Record<string, unknown>): string {
  const day = (iso: string) => iso.slice(0, 10);
  return page(
    p,
    tr(p, 'stats.title'),
    html`<form method="get" action="/console/stats"><label>${tr(p, 'stats.month')} <input type="month" name="month" value="${month}" required></label> <button>${tr(p, 'stats.show')}</button></form>
<p>${tr(p, 'stats.period', { from: day(stats.from), to: day(stats.to) })} ${tr(p, 'stats.note', { rounding: stats.rounding, min: stats.minCell })}</p>
<p><strong>${tr(p, 'stats.total')} : <span id="stats-total">${stats.total === null ? tr(p, 'stats.suppressed') : stats.total}</span></strong></p>
${statsTables(p, stats, [], -1)}`,
  );
}

// === Staff administration (admins)

/** Every account, with a link to each one's page (the forms live there, so this list stays small). */
export function staffListPage(p: PageContext, staff: StaffSummary[], done?: string): string {
  return page(
    p,
    tr(p, 'staff.title'),
    html`${notice(done)}<table><thead><tr><th>${tr(p, 'col.name')}</th><th>${tr(p, 'col.role')}</th><th>${tr(p, 'col.queue')}</th><th>${tr(p, 'col.supervisor')}</th><th>${tr(p, 'col.console')}</th><th>${tr(p, 'col.telegram')}</th></tr></thead><tbody>
${staff.map(
  (s) =>
    html`<tr><td><a href="/console/staff/${s.id}">${s.name}</a>${s.active ? '' : html` (${tr(p, 'staff.inactive')})`}</td><td>${tr(p, `role.${s.role}`)}</td><td>${s.queues.map((q) => tr(p, `queue.${q}`)).join(', ')}</td><td>${s.supervisor ?? '—'}</td><td>${tr(p, s.consolePassword ? 'yes' : 'no')}</td><td>${tr(p, s.telegramLinked ? 'yes' : 'no')}</td></tr>
`,
)}</tbody></table>`,
  );
}

export interface StaffAccountView {
  staff: StaffSummary;
  /** Active supervisors and admins, with the caseworkers each supports. */
  supervisors: Array<{ id: string; name: string; caseworkers: number }>;
  supervisionLimit: number;
  self: boolean;
  done?: string;
  error?: string;
}

/** One account: its supervisor, a new token, deactivation (or reactivation). */
export function staffAccountPage(p: PageContext, view: StaffAccountView): string {
  const { staff: s } = view;
  const action = (name: string) => `/console/staff/${s.id}/${name}`;
  const parts: Raw[] = [
    html`${notice(view.done)}${failure(view.error)}<dl>
<dt>${tr(p, 'col.role')}</dt><dd>${tr(p, `role.${s.role}`)}${s.active ? '' : html` (${tr(p, 'staff.inactive')})`}</dd>
<dt>${tr(p, 'col.queue')}</dt><dd>${s.queues.map((q) => tr(p, `queue.${q}`)).join(', ')}</dd>
<dt>${tr(p, 'col.language')}</dt><dd>${s.languages.map((l) => tr(p, `lang.${l}`)).join(', ')}</dd>
<dt>${tr(p, 'col.supervisor')}</dt><dd id="supervisor">${s.supervisor ?? '—'}</dd>
<dt>${tr(p, 'col.console')}</dt><dd>${tr(p, s.consolePassword ? 'yes' : 'no')}</dd>
<dt>${tr(p, 'col.telegram')}</dt><dd>${tr(p, s.telegramLinked ? 'yes' : 'no')}</dd>
</dl>`,
  ];
  if (s.active && s.role === 'caseworker') {
    parts.push(html`<form method="post" action="${action('supervisor')}">${csrfField(p)}<fieldset><legend>${tr(p, 'staff.supervisor')}</legend>
<select name="supervisorId" id="supervisor-select" aria-label="${tr(p, 'staff.supervisor')}"><option value="">${tr(p, 'staff.noSupervisor')}</option>${view.supervisors.map(
      (c) =>
        html`<option value="${c.id}"${raw(c.id === s.supervisorId ? ' selected' : '')}>${tr(p, 'staff.supervisorOption', { name: c.name, n: c.caseworkers, limit: view.supervisionLimit })}</option>`,
    )}</select>
<label><input type="checkbox" name="override" value="1"> ${tr(p, 'staff.supervisionOverride', { limit: view.supervisionLimit })}</label>
<button id="set-supervisor">${tr(p, 'staff.setSupervisor')}</button></fieldset></form>`);
  } else if (s.active) {
    parts.push(html`<p>${tr(p, 'staff.supervisorOnlyCaseworkers')}</p>`);
  }
  if (s.active) {
    parts.push(html`<form method="post" action="${action('rotate-token')}">${csrfField(p)}<p>${tr(p, 'staff.rotateNote')}</p><button id="rotate-token">${tr(p, 'staff.rotate')}</button></form>`);
    if (!view.self) {
      parts.push(html`<form method="post" action="${action('deactivate')}">${csrfField(p)}<fieldset><legend>${tr(p, 'staff.deactivate')}</legend>
<label><input type="checkbox" name="confirm" value="1" required id="deactivate-confirm"> ${tr(p, 'staff.deactivateConfirm')}</label>
<button id="deactivate">${tr(p, 'staff.deactivate')}</button></fieldset></form>`);
    }
  } else {
    parts.push(html`<form method="post" action="${action('reactivate')}">${csrfField(p)}<button id="reactivate">${tr(p, 'staff.reactivate')}</button></form>`);
  }
  parts.push(html`<p><a href="/console/staff">${tr(p, 'staff.back')}</a></p>`);
  return page(p, tr(p, 'staff.accountTitle', { name: s.name }), raw(parts.map(String).join('\n')));
}

/** A new API token, shown this once (the response is not cached; only its hash is stored). */
export function tokenPage(p: PageContext, name: string, staffId: string, token: string): string {
  return page(
    p,
    tr(p, 'staff.tokenTitle', { name }),
    html`<p class="note">${tr(p, 'staff.tokenNote')}</p><p><code class="token" id="token">${token}</code></p><p><a href="/console/staff/${staffId}">${tr(p, 'staff.back')}</a></p>`,
  );
}
