import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderOpenApi } from '@apps/api/src/openapi.document';
import { ROOT } from '../support/process';

const COMMITTED = join(ROOT, 'docs', 'openapi.json');

interface Operation {
  security?: unknown[];
  responses?: Record<string, unknown>;
  parameters?: { name: string; in: string; schema?: unknown }[];
  requestBody?: unknown;
}

describe('OpenAPI document of the REST API', () => {
  let generated: string;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    generated = await renderOpenApi();
    doc = JSON.parse(generated) as typeof doc;
  });

  it('is committed as generated', async () => {
    const committed = await readFile(COMMITTED, 'utf8').catch(() => '');
    // The message is the instruction a developer needs when this fails.
    expect(committed === generated ? 'current' : 'docs/openapi.json is stale: run npm run docs:openapi').toBe(
      'current',
    );
  });

  it('is OpenAPI 3 and documents the validated inputs from the zod schemas', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const login = doc.paths['/api/v1/auth/login']?.post;
    expect(login?.requestBody).toMatchObject({
      content: { 'application/json': { schema: { properties: { username: { type: 'string' } } } } },
    });
    const users = doc.paths['/api/v1/users']?.get;
    expect(users?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['limit', 'offset', 'role']));
    expect(users?.security).toEqual([{ bearer: [] }]);
  });
});
