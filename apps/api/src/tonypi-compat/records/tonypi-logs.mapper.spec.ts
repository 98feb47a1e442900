import { TONYPI_LOG_CATEGORIES, tonypiLogStatsSchema } from '@fleet/contracts';
import { TONYPI_CSV_HEADER, tonypiCsv, tonypiLogStats } from './tonypi-logs.mapper';

async function* chunksOf(...chunks: string[]): AsyncGenerator<string> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

const FLEET_HEADER = 'id,timestamp,level,category,robot_id,message,details\r\n';

describe('log counts in TonyPi shape', () => {
  it('give every level in lower case, 0 when absent', () => {
    const stats = tonypiLogStats({ total: 5, by_level: { INFO: 3, ERROR: 2 }, by_category: {} });
    expect(stats).toMatchObject({ total: 5, debug: 0, info: 3, warning: 0, error: 2, critical: 0 });
    expect(() => tonypiLogStatsSchema.parse(stats)).not.toThrow();
  });

  it("list TonyPi's fourteen categories and Fleet's own, and keep any other category found", () => {
    const { by_category } = tonypiLogStats({ total: 4, by_level: {}, by_category: { api: 3, emergency: 1 } });
    for (const category of [
      'mqtt',
      'api',
      'database',
      'system',
      'command',
      'robot',
      'alert',
      'report',
      'servo',
      'vision',
      'battery',
      'sensor',
      'job',
      'movement',
      'auth',
    ]) {
      expect(by_category).toHaveProperty(category);
    }
    expect(by_category).toMatchObject({ api: 3, emergency: 1, mqtt: 0 });
    expect(Object.keys(by_category)).toHaveLength(TONYPI_LOG_CATEGORIES.length + 1);
  });
});

describe('a CSV export for TonyPi', () => {
  it("carries TonyPi's header line, then the rows as they come", async () => {
    const csv = await tonypiCsv(chunksOf(FLEET_HEADER, '7,a\r\n', '', '6,b\r\n'));
    expect(csv).not.toBeNull();
    expect(await text(csv as AsyncIterable<string>)).toBe(`${TONYPI_CSV_HEADER}7,a\r\n6,b\r\n`);
  });

  it('is null when nothing matches, so the route can answer 404', async () => {
    expect(await tonypiCsv(chunksOf(FLEET_HEADER))).toBeNull();
    expect(await tonypiCsv(chunksOf(FLEET_HEADER, ''))).toBeNull();
    expect(await tonypiCsv(chunksOf())).toBeNull();
  });
});
