import type { SystemLog } from '@fleet/database';
import { csvCell, exportChunks, exportFilename } from './log-export';

function entry(fields: Partial<SystemLog> = {}): SystemLog {
  return {
    id: 7,
    level: 'INFO',
    category: 'robot',
    message: 'hello',
    robot_id: 'tonypi_01',
    details: null,
    timestamp: new Date('2026-01-24T10:30:45.123Z'),
    ...fields,
  };
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

function batches(...groups: SystemLog[][]): Iterable<SystemLog[]> {
  return groups;
}

describe('CSV cells', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['one\ntwo', '"one\ntwo"'],
    ['one\r\ntwo', '"one\r\ntwo"'],
    ['', ''],
  ])('%j is written as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it.each(['=cmd', '+1', '-2', '@SUM(A1)', '\tx', '\rx'])(
    '%j, which starts like a formula, gets a leading quote',
    (value) => {
      expect(csvCell(value).replace(/^"/, '').startsWith(`'${value[0]}`)).toBe(true);
    },
  );

  it('neutralises a formula and quotes it when it also holds quotes and commas', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
  });

  it('writes numbers as they are, and null as an empty cell', () => {
    expect(csvCell(12)).toBe('12');
    expect(csvCell(null)).toBe('');
  });
});

describe('an export', () => {
  it('is a CSV file with a header line and one CRLF line per entry, details as JSON', async () => {
    const csv = await text(
      exportChunks('csv', batches([entry({ details: { a: 1 } })], [entry({ id: 6, robot_id: null, message: 'x,y' })])),
    );
    expect(csv).toBe(
      'id,timestamp,level,category,robot_id,message,details\r\n' +
        '7,2026-01-24T10:30:45.123Z,INFO,robot,tonypi_01,hello,"{""a"":1}"\r\n' +
        '6,2026-01-24T10:30:45.123Z,INFO,robot,,"x,y",\r\n',
    );
  });

  it('is one JSON array across batches, and [] when nothing matches', async () => {
    const json = await text(exportChunks('json', batches([entry(), entry({ id: 6 })], [], [entry({ id: 5 })])));
    expect((JSON.parse(json) as { id: number }[]).map((e) => e.id)).toEqual([7, 6, 5]);
    expect(JSON.parse(await text(exportChunks('json', batches())))).toEqual([]);
    expect(JSON.parse(await text(exportChunks('json', batches([]))))).toEqual([]);
  });

  it('is named after its format and when it was made', () => {
    expect(exportFilename('csv', new Date('2026-01-24T10:30:45.123Z'))).toBe('fleet-logs-20260124T103045Z.csv');
    expect(exportFilename('json', new Date('2026-01-24T10:30:45.123Z'))).toBe('fleet-logs-20260124T103045Z.json');
  });
});
