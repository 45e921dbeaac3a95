import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseDirectory } from '../../src/directory/directoryFile';
import { replaceDirectory } from '../../src/directory/directory';
import { childEnv, createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

const run = promisify(execFile);
const BIN = path.join(__dirname, '..', '..', 'bin', 'passerelle.js');
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'directory');

describe('parseDirectory', () => {
  it('names every bad row and field of a CSV file', () => {
    const result = parseDirectory(fs.readFileSync(path.join(FIXTURES, 'bad-rows.csv'), 'utf8'), 'csv');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const where = result.problems.map((p) => `${p.row}:${p.field}`);
    expect(where).toEqual(expect.arrayContaining(['2:category', '3:name', '4:phone', '4:free', '5:verified_at']));
    expect(where).toContain('6:id');
    expect(where.some((w) => w.startsWith('1:'))).toBe(false);
  });

  it('reports a missing column', () => {
    const result = parseDirectory('id,category\nx,medical\n', 'csv');
    expect(result).toMatchObject({ ok: false, problems: expect.arrayContaining([{ row: 0, field: 'region', message: 'missing column' }]) });
  });

  it('names bad rows of a JSON file', () => {
    const result = parseDirectory(JSON.stringify({ regions: [{ id: 'a', name: 'A' }], services: [{ id: 'x', category: 'medical', region: 'b' }] }), 'json');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => `${p.row}:${p.field}`)).toEqual(expect.arrayContaining(['1:name', '1:free']));
    expect(parseDirectory('{not json', 'json')).toMatchObject({ ok: false, problems: [{ field: '(file)' }] });
  });
});

describe('passerelle directory import / export', () => {
  let t: TestServer;
  const env = () => childEnv(t);
  const exportAs = async (format: string) => (await run(process.execPath, [BIN, 'directory', 'export', '--format', format], { env: env() })).stdout;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a file with bad rows changes nothing and names every bad row', async () => {
    const before = await exportAs('csv');
    const failure = await run(process.execPath, [BIN, 'directory', 'import', path.join(FIXTURES, 'bad-rows.csv')], { env: env() }).catch((e) => e);
    expect(failure.code).toBe(1);
    for (const row of ['row 2: category', 'row 3: name', 'row 4: phone', 'row 4: free', 'row 5: verified_at', 'row 6: id']) expect(failure.stderr).toContain(row);
    expect(failure.stderr).toMatch(/nothing was changed/);
    // A wrong date names the format it wants, not a type.
    expect(failure.stderr).toMatch(/row 5: verified_at: a date as YYYY-MM-DD/);
    expect(failure.stderr).not.toMatch(/received|expected date/i);
    expect(await exportAs('csv')).toBe(before);
  });

  it('applies a good file whole, and exports it back in the same format', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'directory', 'import', path.join(FIXTURES, 'good.csv')], { env: env() });
    expect(stdout).toMatch(/directory replaced: 1 region\(s\), 3 service\(s\)/);
    const csv = await exportAs('csv');
    expect(csv.split('\n')[1]).toBe('kl-med-1,medical,kaolack,Kaolack,Centre de santé Kasnack,Près du marché Guedj,Lun-Sam 8h-18h,33 941 00 00,yes,yes,yes,yes,"fr,wo",no,2026-10-01');
    // Round trip: what export writes, import reads to the same directory.
    const again = parseDirectory(csv, 'csv');
    expect(again.ok).toBe(true);
    const json = await exportAs('json');
    const fromJson = parseDirectory(json, 'json');
    expect(fromJson.ok && again.ok && fromJson.file).toEqual(again.ok && again.file);
  });

  it('refuses an entry too long for one USSD screen, naming the row', async () => {
    const before = await exportAs('csv');
    const failure = await run(process.execPath, [BIN, 'directory', 'import', path.join(FIXTURES, 'too-long.csv')], { env: env() }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/row 2: name, landmark, hours: \d+ character\(s\) too long for one USSD screen/);
    expect(failure.stderr).not.toMatch(/row 1:/);
    expect(await exportAs('csv')).toBe(before);
  });

  it('--dry-run validates without applying', async () => {
    const before = await exportAs('json');
    const { stdout } = await run(process.execPath, [BIN, 'directory', 'import', '--dry-run', path.join(FIXTURES, 'good.csv')], { env: env() });
    expect(stdout).toMatch(/valid, not applied/);
    expect(await exportAs('json')).toBe(before);
  });
});

describe('entries not verified for 90 days', () => {
  it('are shown "to be confirmed"', async () => {
    const t = await createTestServer();
    try {
      const parsed = parseDirectory(fs.readFileSync(path.join(FIXTURES, 'good.csv'), 'utf8'), 'csv');
      if (!parsed.ok) throw new Error('fixture');
      await replaceDirectory(t.server.prisma, parsed.file);
      await t.server.reloadDirectory();
      // The clock says 2026-11-24: kl-med-2 was verified on 2026-06-01, kl-med-1 on 2026-10-01.
      const phone = new UssdSession(t.server.app);
      await phone.dial();
      for (const answer of ['1', '1', '1', '1']) await phone.send(answer);
      const first = await phone.send('1');
      expect(first).toContain('Centre de santé Kasnack\n');
      expect(first).not.toContain('à confirmer');
      const second = await phone.send('99');
      expect(second).toContain('Poste de santé Médina (à confirmer)\n');
    } finally {
      await t.close();
    }
  });
});

describe('directory dates', () => {
  it.each([
    ['2026-02-30', false],
    ['2026-13-01', false],
    ['24/11/2026', false],
    ['2026-02-28', true],
    ['2024-02-29', true],
  ])('%s is %s', (day, ok) => {
    const csv = [
      'id,category,region,region_name,name,landmark,hours,phone,free,confidential,child_friendly,women_staff,languages,demo,verified_at',
      `d-1,medical,kaolack,Kaolack,Centre,Rue 1,Lun-Ven 9h-17h,33 941 00 00,yes,yes,no,no,fr,no,${day}`,
    ].join('\n');
    const result = parseDirectory(csv, 'csv');
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.problems[0]).toMatchObject({ row: 1, field: 'verified_at', message: expect.stringMatching(/YYYY-MM-DD/) });
  });
});
