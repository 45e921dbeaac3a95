import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkContent } from '../../src/content/contentCli';
import type { ContentReport } from '../../src/content/contentCheck';
import { exportTranslations, importTranslations, writePack } from '../../src/content/translationFile';
import { loadPacks, loadResources } from '../../src/locales/localizer';

const LOCALES = path.join(__dirname, '..', '..', 'src', 'locales');

/** A copy of the shipped packs with one deliberate fault of each kind. */
function brokenLocales(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'locales-'));
  fs.cpSync(LOCALES, dir, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  const edit = (lang: string, change: (pack: Record<string, string>) => void) => {
    const file = path.join(dir, lang, 'translation.json');
    const pack = JSON.parse(fs.readFileSync(file, 'utf8'));
    change(pack);
    fs.writeFileSync(file, JSON.stringify(pack));
  };
  edit('wo', (pack) => {
    delete pack['cancel.done'];
    pack['cancel.limited'] = pack['cancel.limited'].replace('{{hotline}}', '{{hotlin}}');
    pack['callback.consent'] = `${pack['callback.consent']} ${'Ndax nangu nga? '.repeat(8)}`;
  });
  edit('bm', (pack) => {
    pack['common.retry'] = 'A lajɛ tugun';
    // "MENU" means help in every other language: here it would end the conversation.
    pack['keywords.stop'] = 'STOP,MENU';
  });
  return dir;
}

describe('passerelle content check', () => {
  let broken: ContentReport;
  beforeAll(async () => {
    broken = await checkContent(brokenLocales(), ['fr', 'wo', 'bm']);
  }, 60_000);

  const problems = (lang: string) => broken.languages.find((l) => l.lang === lang)!.violations;

  it('reports a missing key', () => {
    expect(problems('wo')).toContainEqual(expect.objectContaining({ kind: 'missing-key', where: 'cancel.done' }));
  });

  it('reports a wrong placeholder', () => {
    expect(problems('wo')).toContainEqual(expect.objectContaining({ kind: 'placeholders', where: 'cancel.limited', detail: expect.stringContaining('{{hotlin}}') }));
  });

  it('reports a screen too long for USSD, naming the node', () => {
    expect(problems('wo')).toContainEqual(expect.objectContaining({ kind: 'ussd-length', where: expect.stringMatching(/^callback\.consent/) }));
  });

  it('reports a character outside GSM-7 in a pack that must stay GSM-7', () => {
    expect(problems('bm')).toContainEqual(expect.objectContaining({ kind: 'encoding', where: 'common.retry', detail: 'outside GSM-7: ɛ' }));
  });

  it('reports a keyword that means two things across languages', () => {
    expect(broken.keywords).toContainEqual(expect.objectContaining({ kind: 'keyword-collision', where: 'MENU', detail: expect.stringContaining('stop (bm)') }));
  });

  it('lists the draft strings of each language and counts the screens', () => {
    const wo = broken.languages.find((l) => l.lang === 'wo')!;
    expect(wo.drafts).toContain('callback.consent');
    expect(broken.languages.find((l) => l.lang === 'fr')!.drafts).toEqual([]);
    expect(wo.channels.USSD.screens).toBeGreaterThan(300);
    // Every channel of the registry was checked, each against its own limit.
    expect(Object.keys(wo.channels).sort()).toEqual(expect.arrayContaining(['SMS', 'Telegram', 'USSD']));
    expect(wo.channels.USSD).toMatchObject({ limit: 182, unit: 'septets' });
    expect(broken.violations).toBeGreaterThanOrEqual(5);
  });

  it('gives each string a character budget from the screens it appears on', () => {
    // "Suite" (5) on a screen with room to spare has a budget above its length, never above the screen.
    expect(broken.budgets['common.next'].fr).toBeGreaterThan(5);
    expect(broken.budgets['common.next'].fr).toBeLessThanOrEqual(182);
  });

  describe('translation workflow', () => {
    it('exports a file a translator can work in', () => {
      const csv = exportTranslations('wo', loadResources(LOCALES), loadPacks(LOCALES).wo, broken.budgets);
      const [header, first] = csv.split('\n');
      expect(header).toBe('key,french,text,status,notes,budget');
      expect(first).toMatch(/^languages\.fr,Français,Français,draft,,/);
      expect(csv).toMatch(/\ninfo\.medical,.*,draft,"""fitna ci wàllu séy"" is a euphemism/);
    });

    it('imports it back, reporting errors by row, all or nothing', () => {
      const resources = loadResources(LOCALES);
      const bad = [
        'key,french,text,status,notes,budget',
        'common.next,Suite,Ci kanam,reviewed,,',
        'cancel.limited,x,Jéem nga lu bari {{numero}},draft,,',
        'callback.declined,x,' + 'Nangu nga? '.repeat(30) + ',draft,,',
        'no.such.key,x,y,draft,,',
        'common.retry,x,Jéemaat,maybe,,',
      ].join('\n');
      const result = importTranslations(bad, 'wo', resources, broken.budgets);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems.map((p) => `${p.row}:${p.field}`)).toEqual(['2:text', '3:text', '4:key', '5:status']);

      const good = ['key,french,text,status,notes,budget', 'common.next,Suite,Ci kanam,reviewed,checked by the Dakar team,', 'common.retry,Réessayer,,draft,,'].join('\n');
      const ok = importTranslations(good, 'wo', resources, broken.budgets);
      expect(ok).toMatchObject({ ok: true, changed: 1 });
      if (!ok.ok) return;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
      writePack(dir, 'wo', resources.fr, ok.translations, ok.review);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'wo', 'translation.json'), 'utf8'))['common.next']).toBe('Ci kanam');
      const review = JSON.parse(fs.readFileSync(path.join(dir, 'wo', 'review.json'), 'utf8'));
      expect(review['common.next']).toEqual({ status: 'reviewed', note: 'checked by the Dakar team' });
    });
  });
});
