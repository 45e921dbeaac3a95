// The boundaries between the four rooms of the architecture (DESIGN.md): data flows one way,
// provider → channels → gateway → flows/caseLink → database, and the desk works on caseLink.
// Each rule names the folders a room must not import, so a wrong import fails CI with the reason.
const tseslint = require('typescript-eslint');

/** `no-restricted-imports` patterns for folders a room must not reach, with the reason shown. */
const forbid = (folders, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: folders.flatMap((f) => [`**/${f}`, `**/${f}/**`]), message }] }],
});

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/generated/**', 'coverage/**', 'data/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
  },
  {
    files: ['src/channels/**/*.ts'],
    rules: forbid(['flows', 'caseLink', 'gateway'], 'Channels only verify, parse and normalise: they import neither flows, caseLink nor the gateway (the contract is src/messaging).'),
  },
  {
    files: ['src/flows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '!./*'], message: 'Flows are pure data and a pure engine: they import nothing outside src/flows.' }] }],
    },
  },
  {
    files: ['src/caseLink/**/*.ts'],
    rules: forbid(['desk', 'gateway'], 'caseLink is the intake lifecycle: it imports neither the desk nor the gateway.'),
  },
  {
    files: ['src/desk/**/*.ts'],
    rules: forbid(['gateway', 'channels'], 'The desk works on caseLink: it imports neither the gateway nor the channels.'),
  },
  {
    files: ['src/gateway/**/*.ts'],
    rules: forbid(['channels', 'desk'], 'The gateway meets the channels through src/messaging and never reaches into channels/ or the desk.'),
  },
);
