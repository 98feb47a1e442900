import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { renderOpenApi } from './openapi.document';

/** `npm run docs:openapi`: writes the API's OpenAPI document (default docs/openapi.json). */
async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'docs/openapi.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, await renderOpenApi());
  process.stdout.write(`wrote ${out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
