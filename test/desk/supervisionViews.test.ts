import { statsPage } from '../../src/desk/console/supervisionViews';
import type { PageContext } from '../../src/desk/console/views';

const p: PageContext = {
  lang: 'fr',
  actor: { id: 'a'.repeat(24), name: 'Sam', role: 'supervisor', queues: ['gbv'], languages: ['fr'], gender: null },
  csrf: 'x',
  now: new Date('2026-11-24T09:00:00Z'),
  timeZone: 'Africa/Dakar',
  ttlHours: 72,
  maxAttempts: 3,
};
const base = {
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  minCell: 5,
  rounding: 5,
  total: 40,
  byChannel: [
    { key: 'ussd', count: 30 },
    { key: 'sms', count: null },
  ],
  byOutcome: [{ key: 'closed:resolved', count: 10 }],
};

describe('statsPage', () => {
  it('renders every table of the result, with words for keys and "masqué" for a hidden cell', () => {
    const html = statsPage(p, '2026-11', base);
    expect(html).toContain('<h2>Par canal</h2>');
    expect(html).toMatch(/<td>sms<\/td><td>masqué<\/td>/);
    expect(html).toContain('Clôturée — Réglé');
    expect(html).toContain('<span id="stats-total">40</span>');
    expect(html).not.toMatch(/<h2>(from|to|minCell|rounding|total)<\/h2>/);
  });

  it('shows a section added to the result without a change to the page (tables in an object, or a list of them)', () => {
    const html = statsPage(p, '2026-11', {
      ...base,
      feedback: {
        byWeek: [{ key: '2026-W47', count: 10 }],
        questions: [
          {
            key: 'useful',
            answers: [
              { key: 'yes', count: 15 },
              { key: 'no', count: null },
            ],
          },
        ],
      },
      somethingNew: [{ key: 'a', count: 5 }],
      notATable: 'ignored',
    });
    expect(html).toContain('<h2>Avis des personnes</h2>');
    expect(html).toContain('2026-W47');
    expect(html).toContain('<h3>useful</h3>');
    expect(html).toContain('<h2>somethingNew</h2>');
    expect(html).not.toContain('ignored');
  });
});
