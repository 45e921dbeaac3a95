import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ESLint } from 'eslint';

/**
 * The import boundaries of eslint.config.js, checked on imports written for the purpose:
 * each forbidden one is refused with its reason, each allowed one passes. (CI also lints
 * the whole of src/ with the same configuration: `npx eslint src`.)
 */
const ROOT = path.join(__dirname, '..', '..');
// The configuration is handed over as loaded (ESLint would import the file itself, which Jest's module system cannot).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: require(path.join(ROOT, 'eslint.config.js')) });

async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: path.join(ROOT, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const cases: Array<{ file: string; source: string; refused: RegExp | null }> = [
  { file: 'src/channels/example/adapter.ts', source: "import { step } from '../../flows/engine';", refused: /Channels only verify/ },
  { file: 'src/channels/example/adapter.ts', source: "import { createIntake } from '../../caseLink/createIntake';", refused: /Channels only verify/ },
  { file: 'src/channels/example/adapter.ts', source: "import { Gateway } from '../../gateway/gateway';", refused: /Channels only verify/ },
  { file: 'src/channels/example/adapter.ts', source: "import type { Reply } from '../../messaging/types';", refused: null },
  { file: 'src/flows/example.ts', source: "import type { Reply } from '../messaging/types';", refused: /Flows are pure/ },
  { file: 'src/flows/example.ts', source: "import { FlowNode } from './schema';", refused: null },
  { file: 'src/caseLink/example.ts', source: "import { apiRouter } from '../desk/api/apiRouter';", refused: /caseLink is the intake lifecycle/ },
  { file: 'src/caseLink/example.ts', source: "import { Gateway } from '../gateway/gateway';", refused: /caseLink is the intake lifecycle/ },
  { file: 'src/caseLink/example.ts', source: "import { eraseDestroyed } from '../db';", refused: null },
  { file: 'src/desk/example.ts', source: "import { Gateway } from '../gateway/gateway';", refused: /The desk works on caseLink/ },
  { file: 'src/desk/example.ts', source: "import { formWebhook } from '../channels/webhook';", refused: /The desk works on caseLink/ },
  { file: 'src/desk/example.ts', source: "import { claimIntake } from '../caseLink/claimIntake';", refused: null },
  { file: 'src/gateway/example.ts', source: "import { formWebhook } from '../channels/webhook';", refused: /through src\/messaging/ },
  { file: 'src/gateway/example.ts', source: "import type { InboundMessage } from '../messaging/types';", refused: null },
];

describe('import boundaries (eslint.config.js)', () => {
  it.each(cases)('$file: $source', async ({ file, source, refused }) => {
    const found = await problems(file, source);
    if (refused) expect(found).toEqual([expect.stringMatching(refused)]);
    else expect(found).toEqual([]);
  });

  it('hold in src/ today (the command CI runs)', async () => {
    const cli = path.join(path.dirname(require.resolve('eslint/package.json')), 'bin', 'eslint.js');
    const run = await promisify(execFile)(process.execPath, [cli, 'src'], { cwd: ROOT }).catch((err: { code: number; stdout: string }) => err);
    expect('code' in run ? run.stdout : '').toBe('');
  });
});
