import { sql } from 'kysely';
import { DeadLetterRepository, SystemLogRepository, type NewLogEntry } from '@fleet/database';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

const DAY_MS = 24 * 60 * 60 * 1000;

/** RFC 4180 parsing, written out here so the test does not trust the code it checks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) throw new Error(`CSV ends inside a line: ${JSON.stringify(row)} ${cell}`);
  return rows;
}

if (missing.length > 0) {
  reportMissingServer(missing[0], 'API system logs and dead letters');
} else {
  describe('the system log and dead letters through the API', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let viewer: string;

    beforeAll(() => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
    });
    afterAll(async () => {
      await factory.dispose();
    });
    beforeEach(async () => {
      api = await startApi(factory);
      viewer = await api.tokenFor('viewer');
    });
    afterEach(async () => {
      await api.close();
    });

    const seed = (entries: NewLogEntry[]) => api.app.app.get(SystemLogRepository).insertMany(entries);

    it('the OpenAPI document describes every route with its query parameters', async () => {
      const document = await api.call('GET', '/api/docs/openapi.json');
      expect(document.status).toBe(200);
      const paths = document.body.paths as Record<string, Record<string, { parameters?: { name: string }[] }>>;
      const parameters = (path: string, method: string) => (paths[path][method].parameters ?? []).map((p) => p.name);
      expect(parameters('/api/v1/logs', 'get')).toEqual(
        expect.arrayContaining(['level', 'category', 'robot_id', 'search', 'from', 'to', 'limit', 'offset']),
      );
      expect(parameters('/api/v1/logs/export', 'get')).toEqual(expect.arrayContaining(['level', 'format', 'limit']));
      expect(parameters('/api/v1/logs', 'delete')).toEqual(['older_than_days']);
      expect(parameters('/api/v1/logs/stats', 'get')).toEqual(['robot_id', 'from', 'to']);
      expect(parameters('/api/v1/dead-letters', 'get')).toEqual(expect.arrayContaining(['reason', 'topic']));
      expect(parameters('/api/v1/dead-letters/reasons', 'get')).toEqual(['robot_id', 'from', 'to']);
    });

    describe('listing', () => {
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 24, 10, minute));
      beforeEach(async () => {
        await seed([
          { level: 'INFO', category: 'robot', message: 'walking started', robot_id: 'list_a', timestamp: at(1) },
          { level: 'WARNING', category: 'robot', message: 'battery at 19%', robot_id: 'list_a', timestamp: at(2) },
          { level: 'ERROR', category: 'mqtt', message: 'Broker lost', robot_id: 'list_b', timestamp: at(3) },
          { level: 'CRITICAL', category: 'robot', message: 'servo 3 overheated', robot_id: 'list_b', timestamp: at(4) },
          { level: 'DEBUG', category: 'command', message: 'move sent', robot_id: 'list_a', timestamp: at(5) },
          { level: 'ERROR', category: 'command', message: 'move 100% failed', robot_id: 'list_c', timestamp: at(6) },
        ]);
      });
      const list = async (query: string) => {
        const response = await api.call('GET', `/api/v1/logs?${query}`, { token: viewer });
        expect(response.status).toBe(200);
        return response.body as { items: { message: string; timestamp: string }[]; total: number };
      };
      const messages = async (query: string) => (await list(query)).items.map((e) => e.message);

      it('a viewer reads entries newest first, a page at a time, with the total', async () => {
        const page = await api.call('GET', '/api/v1/logs?robot_id=list_a&limit=2&offset=1', { token: viewer });
        expect(page.status).toBe(200);
        expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
        expect(page.body.items).toEqual([
          {
            id: expect.any(Number),
            level: 'WARNING',
            category: 'robot',
            message: 'battery at 19%',
            robot_id: 'list_a',
            details: null,
            timestamp: at(2).toISOString(),
          },
          expect.objectContaining({ message: 'walking started' }),
        ]);
      });

      it('filters by one or several levels, comma-separated or repeated, in any case', async () => {
        const range = 'from=2026-01-24T10:00:00Z&to=2026-01-24T11:00:00Z';
        expect(await messages(`level=ERROR&${range}`)).toEqual(['move 100% failed', 'Broker lost']);
        expect(await messages(`level=ERROR,CRITICAL&${range}`)).toEqual([
          'move 100% failed',
          'servo 3 overheated',
          'Broker lost',
        ]);
        expect(await messages(`level=debug&level=warning&${range}`)).toEqual(['move sent', 'battery at 19%']);
      });

      it('filters by category, robot, message text and time range', async () => {
        expect(await messages('category=command')).toEqual(['move 100% failed', 'move sent']);
        expect(await messages('robot_id=list_b&category=robot')).toEqual(['servo 3 overheated']);
        expect(await messages('search=broker')).toEqual(['Broker lost']);
        expect(await messages('search=100%25')).toEqual(['move 100% failed']);
        expect(await messages('from=2026-01-24T10:02:00Z&to=2026-01-24T10:04:00Z')).toEqual([
          'Broker lost',
          'battery at 19%',
        ]);
      });

      it('refuses an unknown level, a reversed range and a page too large with 422 naming the field', async () => {
        const bad = await api.call('GET', '/api/v1/logs?level=ERROR,LOUD', { token: viewer });
        expect(bad.status).toBe(422);
        expect(bad.body.details).toEqual([expect.objectContaining({ path: 'level.1' })]);
        const reversed = await api.call('GET', '/api/v1/logs?from=2026-01-25T00:00:00Z&to=2026-01-24T00:00:00Z', {
          token: viewer,
        });
        expect(reversed.status).toBe(422);
        expect(reversed.body.details).toEqual([{ path: 'to', message: "'from' must be before 'to'" }]);
        expect((await api.call('GET', '/api/v1/logs?limit=501', { token: viewer })).status).toBe(422);
        expect((await api.call('GET', '/api/v1/logs?from=yesterday', { token: viewer })).status).toBe(422);
      });

      it('counts entries by level and by category over a range', async () => {
        const stats = await api.call('GET', '/api/v1/logs/stats?from=2026-01-24T10:02:00Z&to=2026-01-24T10:06:00Z', {
          token: viewer,
        });
        expect(stats.status).toBe(200);
        expect(stats.body).toEqual({
          total: 4,
          by_level: { DEBUG: 1, INFO: 0, WARNING: 1, ERROR: 1, CRITICAL: 1 },
          by_category: { robot: 2, mqtt: 1, command: 1 },
        });
        expect((await api.call('GET', '/api/v1/logs/stats')).status).toBe(401);
      });
    });

    describe('exporting', () => {
      const hostile = [
        'plain text',
        'comma, inside',
        'a "quoted" word',
        'first line\nsecond line',
        "=cmd|' /C calc'!A0",
        '+SUM(1,2)',
        '-10',
        '@import',
      ];

      it('streams every matching row of a CSV file, in list order, across batches and timestamp ties', async () => {
        // 1,200 rows without a timestamp (listed first), then 2,500 whose timestamps tie in groups of five and
        // differ below the millisecond: more than three batches, with boundaries inside both.
        await sql`
          INSERT INTO system_logs (level, category, message, robot_id, timestamp)
          SELECT 'INFO', 'export', 'undated ' || g, 'export_bot', NULL FROM generate_series(1, 1200) g
        `.execute(api.db);
        await sql`
          INSERT INTO system_logs (level, category, message, robot_id, timestamp)
          SELECT 'INFO', 'export', 'row ' || g, 'export_bot',
                 timestamptz '2026-01-20T00:00:00Z' - (g / 5) * interval '1 microsecond' - (g / 40) * interval '1 millisecond'
          FROM generate_series(1, 2500) g
        `.execute(api.db);
        const expected = await api.db
          .selectFrom('system_logs')
          .select('id')
          .where('robot_id', '=', 'export_bot')
          .orderBy('timestamp', 'desc')
          .orderBy('id', 'desc')
          .execute();

        const response = await api.call('GET', '/api/v1/logs/export?format=csv&robot_id=export_bot', {
          token: viewer,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        expect(response.headers.get('content-disposition')).toMatch(
          /^attachment; filename="fleet-logs-\d{8}T\d{6}Z\.csv"$/,
        );
        expect(response.headers.get('content-length')).toBeNull();
        expect(response.headers.get('cache-control')).toBe('no-store');
        const [header, ...rows] = parseCsv(response.body as string);
        expect(header).toEqual(['id', 'timestamp', 'level', 'category', 'robot_id', 'message', 'details']);
        expect(rows.map((r) => Number(r[0]))).toEqual(expected.map((r) => r.id));
        expect(rows[0][1]).toBe('');
        expect(rows[1200][1]).toBe('2026-01-20T00:00:00.000Z');
      });

      it('escapes quotes, commas and line breaks, and neutralises cells that start like a formula', async () => {
        await seed(
          hostile.map((message, i) => ({
            level: 'INFO',
            category: 'hostile',
            message,
            timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)),
          })),
        );
        const response = await api.call('GET', '/api/v1/logs/export?category=hostile', { token: viewer });
        expect(response.status).toBe(200);
        const rows = parseCsv(response.body as string).slice(1);
        expect(rows.map((r) => r[5])).toEqual(hostile.map((m) => (/^[=+\-@]/.test(m) ? `'${m}` : m)).reverse());
        expect(rows.every((r) => r.length === 7)).toBe(true);
      });

      it('sends a valid JSON array, [] when nothing matches, and stops at the row limit', async () => {
        await seed(
          hostile.map((message, i) => ({
            level: 'ERROR',
            category: 'hostile',
            message,
            details: { i },
            timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)),
          })),
        );
        const json = await api.call('GET', '/api/v1/logs/export?format=json&level=error&category=hostile', {
          token: viewer,
        });
        expect(json.status).toBe(200);
        expect(json.headers.get('content-disposition')).toMatch(/filename="fleet-logs-\d{8}T\d{6}Z\.json"/);
        expect(json.body).toHaveLength(hostile.length);
        expect(json.body[0]).toEqual({
          id: expect.any(Number),
          level: 'ERROR',
          category: 'hostile',
          message: '@import',
          robot_id: null,
          details: { i: 7 },
          timestamp: '2026-01-01T00:07:00.000Z',
        });

        const none = await api.call('GET', '/api/v1/logs/export?format=json&category=nothing-here', { token: viewer });
        expect(none.body).toEqual([]);

        const capped = await api.call('GET', '/api/v1/logs/export?format=csv&category=hostile&limit=3', {
          token: viewer,
        });
        expect(parseCsv(capped.body as string)).toHaveLength(1 + 3);
        const tooMany = await api.call('GET', '/api/v1/logs/export?limit=1000001', { token: viewer });
        expect(tooMany.status).toBe(422);
        expect((await api.call('GET', '/api/v1/logs/export?format=xml', { token: viewer })).status).toBe(422);
      });
    });

    describe('clearing', () => {
      it('an admin deletes only entries older than N days, learns how many, and the audit trail records it', async () => {
        const now = Date.now();
        await seed([
          { level: 'INFO', category: 'clear', message: 'recent', timestamp: new Date(now - 1 * DAY_MS) },
          { level: 'INFO', category: 'clear', message: 'ten days', timestamp: new Date(now - 10 * DAY_MS) },
          { level: 'INFO', category: 'clear', message: 'forty days', timestamp: new Date(now - 40 * DAY_MS) },
          { level: 'INFO', category: 'clear', message: 'a year', timestamp: new Date(now - 365 * DAY_MS) },
        ]);
        const admin = await api.tokenFor('admin');
        const response = await api.call('DELETE', '/api/v1/logs?older_than_days=30', { token: admin });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ deleted: 2, older_than_days: 30, cutoff: expect.any(String) });
        const cutoff = Date.parse(response.body.cutoff as string);
        expect(Math.abs(cutoff - (now - 30 * DAY_MS))).toBeLessThan(60_000);

        const left = await api.db
          .selectFrom('system_logs')
          .select('message')
          .where('category', '=', 'clear')
          .orderBy('timestamp', 'desc')
          .execute();
        expect(left.map((r) => r.message)).toEqual(['recent', 'ten days']);

        const audit = await api.db
          .selectFrom('audit_entries')
          .select(['actor', 'action', 'entity_type', 'after'])
          .where('action', '=', 'system_log.clear')
          .execute();
        expect(audit).toEqual([
          {
            actor: 'admin',
            action: 'system_log.clear',
            entity_type: 'system_log',
            after: { deleted: 2, older_than_days: 30, cutoff: response.body.cutoff },
          },
        ]);
      });

      it('an operator or viewer gets 403 and nothing is deleted', async () => {
        await seed([
          { level: 'INFO', category: 'clear', message: 'old', timestamp: new Date(Date.now() - 90 * DAY_MS) },
        ]);
        for (const role of ['operator', 'viewer'] as const) {
          const response = await api.call('DELETE', '/api/v1/logs?older_than_days=1', {
            token: await api.tokenFor(role),
          });
          expect(response.status).toBe(403);
        }
        const old = await api.db.selectFrom('system_logs').select('id').where('category', '=', 'clear').execute();
        expect(old).toHaveLength(1);
      });

      it.each(['older_than_days=0', 'older_than_days=-3', 'older_than_days=1.5', 'older_than_days=soon', ''])(
        '%j is refused with 422',
        async (query) => {
          const response = await api.call('DELETE', `/api/v1/logs?${query}`, { token: await api.tokenFor('admin') });
          expect(response.status).toBe(422);
          expect(response.body.details).toEqual([expect.objectContaining({ path: 'older_than_days' })]);
        },
      );
    });

    describe('dead letters', () => {
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 24, 9, minute));
      beforeEach(async () => {
        await api.app.app.get(DeadLetterRepository).insertMany([
          {
            message_key: 'dl-1',
            received_at: at(1),
            topic: 'tonypi/sensors/dl_a',
            robot_id: 'dl_a',
            reason: 'invalid_json',
            detail: 'Unexpected token',
            payload: Buffer.from('{"value": '),
          },
          {
            message_key: 'dl-2',
            received_at: at(2),
            topic: 'tonypi/sensors/dl_a',
            robot_id: 'dl_a',
            reason: 'schema',
            detail: 'value: expected number',
            payload: Buffer.from('{"value":"hot"}'),
          },
          {
            message_key: 'dl-3',
            received_at: at(3),
            topic: 'tonypi/battery',
            robot_id: 'dl_b',
            reason: 'schema',
            detail: 'percentage: expected number',
            payload: Buffer.from('{"percentage":null}'),
          },
          {
            message_key: 'dl-4',
            received_at: at(4),
            topic: 'tonypi/unknown/x',
            reason: 'unknown_topic',
            detail: 'no handler',
            payload: Buffer.from('x'),
            payload_bytes: 9000,
          },
        ]);
      });

      it('a viewer lists rejected messages newest first, filtered and paged', async () => {
        const all = await api.call('GET', '/api/v1/dead-letters?limit=2', { token: viewer });
        expect(all.status).toBe(200);
        expect(all.body).toMatchObject({ total: 4, limit: 2, offset: 0 });
        expect(all.body.items[0]).toEqual({
          id: expect.any(String),
          message_key: 'dl-4',
          received_at: at(4).toISOString(),
          topic: 'tonypi/unknown/x',
          robot_id: null,
          reason: 'unknown_topic',
          detail: 'no handler',
          payload: 'x',
          payload_bytes: 9000,
        });
        const keys = async (query: string) =>
          (
            (await api.call('GET', `/api/v1/dead-letters?${query}`, { token: viewer })).body.items as {
              message_key: string;
            }[]
          ).map((l) => l.message_key);
        expect(await keys('reason=schema')).toEqual(['dl-3', 'dl-2']);
        expect(await keys('robot_id=dl_a')).toEqual(['dl-2', 'dl-1']);
        expect(await keys(`topic=${encodeURIComponent('tonypi/battery')}`)).toEqual(['dl-3']);
        expect(await keys('from=2026-01-24T09:02:00Z&to=2026-01-24T09:04:00Z')).toEqual(['dl-3', 'dl-2']);
        expect(await keys('limit=1&offset=3')).toEqual(['dl-1']);
        expect((await api.call('GET', '/api/v1/dead-letters?from=later', { token: viewer })).status).toBe(422);
      });

      it('counts rejected messages by reason, over a range or for one robot', async () => {
        const counts = await api.call('GET', '/api/v1/dead-letters/reasons', { token: viewer });
        expect(counts.status).toBe(200);
        expect(counts.body).toEqual({ total: 4, by_reason: { invalid_json: 1, schema: 2, unknown_topic: 1 } });
        const robot = await api.call('GET', '/api/v1/dead-letters/reasons?robot_id=dl_a', { token: viewer });
        expect(robot.body).toEqual({ total: 2, by_reason: { invalid_json: 1, schema: 1 } });
        const range = await api.call('GET', '/api/v1/dead-letters/reasons?from=2026-01-24T09:03:00Z', {
          token: viewer,
        });
        expect(range.body).toEqual({ total: 2, by_reason: { schema: 1, unknown_topic: 1 } });
        expect((await api.call('GET', '/api/v1/dead-letters/reasons')).status).toBe(401);
      });
    });
  });
}
