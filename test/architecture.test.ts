import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '@fleet/config';
import { ROOT } from './support/process';

const REFUSED: [string, string][] = [
  [
    'apps/ingest/src/x.ts',
    "import { AlertingModule } from '@apps/alerting/src/alerting.module';\nexport { AlertingModule };\n",
  ],
  ['apps/ingest/src/x.ts', "import { JobsModule } from '../../jobs/src/jobs.module';\nexport { JobsModule };\n"],
  ['libs/database/src/x.ts', "import { ApiModule } from '@apps/api/src/api.module';\nexport { ApiModule };\n"],
  ['libs/database/src/x.ts', "import { loadConfig } from '../../config/src/load-config';\nexport { loadConfig };\n"],
  ['libs/contracts/src/x.ts', "import { Injectable } from '@nestjs/common';\nexport { Injectable };\n"],
  ['libs/contracts/src/x.ts', "import type { Kysely } from 'kysely';\nexport type K = Kysely<unknown>;\n"],
  ['libs/contracts/src/x.ts', "import { loadConfig } from '@fleet/config';\nexport { loadConfig };\n"],
  ['libs/contracts/src/x.ts', "import { Registry } from 'prom-client';\nexport { Registry };\n"],
  ['libs/contracts/src/x.ts', "import { randomUUID } from 'node:crypto';\nexport { randomUUID };\n"],
];
const ALLOWED: [string, string][] = [
  ['apps/fleet/src/x.ts', "import { IngestModule } from '@apps/ingest/src/ingest.module';\nexport { IngestModule };\n"],
  ['apps/ingest/src/x.ts', "import { DatabaseModule } from '@fleet/database';\nexport { DatabaseModule };\n"],
  ['libs/contracts/src/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n"],
];
const OTHERS: [string, string][] = [
  ['apps/api/src/x.ts', 'export const port = process.env.PORT;\n'],
  // Written in two pieces so that no search for focused tests mistakes this fixture for one.
  ['test/x.test.ts', `it.${'only'}('x', () => {\n  expect(1).toBe(1);\n});\n`],
];

/** The boundaries between apps and libraries are lint rules; these cases prove the rules bite. */
describe('architecture rules', () => {
  let results: string[][];

  beforeAll(() => {
    const cases = [...REFUSED, ...ALLOWED, ...OTHERS];
    const output = execFileSync(process.execPath, [join(ROOT, 'test', 'support', 'lint-text.mjs')], {
      cwd: ROOT,
      input: JSON.stringify(cases),
      encoding: 'utf8',
      timeout: 120_000,
    });
    results = JSON.parse(output) as string[][];
  }, 120_000);

  it.each(REFUSED.map((c, i) => [...c, i] as const))('refuses in %s: %s', (_file, _code, i) => {
    expect(results[i]).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  });

  it.each(ALLOWED.map((c, i) => [...c, REFUSED.length + i] as const))('allows in %s: %s', (_file, _code, i) => {
    expect(results[i]).toEqual([]);
  });

  it('keeps configuration reading in libs/config', () => {
    expect(results[REFUSED.length + ALLOWED.length]).toEqual([
      expect.stringMatching(/^no-restricted-properties: .*@fleet\/config/),
    ]);
  });

  it('refuses focused tests', () => {
    expect(results[REFUSED.length + ALLOWED.length + 1]).toEqual([expect.stringMatching(/^jest\/no-focused-tests/)]);
  });
});

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('documents every configuration variable', () => {
    const undocumented = CONFIG_VARIABLES.filter((name) => !readme.includes(`| \`${name}\``));
    expect(undocumented).toEqual([]);
  });

  it('documents no variable Fleet does not read', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]);
    expect(documented.filter((name) => !CONFIG_VARIABLES.includes(name ?? ''))).toEqual([]);
  });
});
