// Lints source text as if it lived at a given path, with the project's rules minus type-aware ones (the text is
// not on disk, so the TypeScript project cannot see it). Runs outside Jest: ESLint loads its config as a module.
// stdin: [[path, code], ...]; stdout: [[ "rule: message", ... ], ...]
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const cases = JSON.parse(
  await new Promise((resolve) => {
    let input = '';
    process.stdin.on('data', (chunk) => (input += chunk));
    process.stdin.on('end', () => resolve(input));
  }),
);
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: [
    { languageOptions: { parserOptions: { projectService: false, project: null } } },
    { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked },
  ],
});
const results = [];
for (const [path, code] of cases) {
  const [result] = await eslint.lintText(code, { filePath: `${process.cwd()}/${path}` });
  results.push(result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`));
}
process.stdout.write(JSON.stringify(results));
