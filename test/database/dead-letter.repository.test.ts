import { DeadLetterRepository, SystemLogRepository } from '@fleet/database';
import { describeEachDatabase } from '../support/database';

describeEachDatabase('DeadLetterRepository', (factory) => {
  let letters: DeadLetterRepository;
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));

  beforeEach(async () => {
    letters = new DeadLetterRepository((await factory().create()).db);
  });

  it('keeps topic, reason, detail, the first 4 KiB of the payload and its full size', async () => {
    const big = Buffer.from(`{"robot_id":"r1","value":"${'9'.repeat(10_000)}"}`);
    await letters.insertMany([
      {
        message_key: 'log:1',
        received_at: at(1),
        topic: 'tonypi/sensors/r1',
        robot_id: 'r1',
        reason: 'oversize',
        detail: 'payload is 10031 bytes, more than 4096',
        payload: big,
      },
    ]);
    const [letter] = (await letters.list()).items;
    expect(letter).toMatchObject({
      topic: 'tonypi/sensors/r1',
      robot_id: 'r1',
      reason: 'oversize',
      payload_bytes: big.length,
      received_at: at(1),
    });
    expect(Buffer.byteLength(letter?.payload ?? '')).toBe(4096);
  });

  it('keeps bytes that are not text readable, NUL included, and stores the same message once', async () => {
    const garbage = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x22]);
    const letter = {
      message_key: 'log:2',
      received_at: at(2),
      topic: 'tonypi/status/r2',
      reason: 'bad_json',
      detail: 'Unexpected token',
      payload: garbage,
    };
    expect(await letters.insertMany([letter])).toBe(1);
    expect(await letters.insertMany([letter])).toBe(0);
    const page = await letters.list();
    expect(page.total).toBe(1);
    expect(page.items[0]?.payload).toBe('{\uFFFD\uFFFD\uFFFD"');
    expect(page.items[0]?.payload_bytes).toBe(5);
  });

  it('lists newest first with filters, and counts by reason', async () => {
    await letters.insertMany([
      {
        message_key: 'a',
        received_at: at(1),
        topic: 'tonypi/x',
        reason: 'unknown_topic',
        detail: 'd',
        payload: Buffer.from('{}'),
      },
      {
        message_key: 'b',
        received_at: at(2),
        topic: 'tonypi/sensors/r1',
        robot_id: 'r1',
        reason: 'schema',
        detail: 'value: expected a number',
        payload: Buffer.from('{}'),
      },
      {
        message_key: 'c',
        received_at: at(3),
        topic: 'tonypi/sensors/r1',
        robot_id: 'r1',
        reason: 'schema',
        detail: 'unit: expected a string',
        payload: Buffer.from('{}'),
      },
    ]);
    expect((await letters.list({ limit: 2 })).items.map((l) => l.message_key)).toEqual(['c', 'b']);
    expect((await letters.list({ reason: 'schema', robotId: 'r1' })).total).toBe(2);
    expect((await letters.list({ from: at(2), to: at(3) })).items.map((l) => l.message_key)).toEqual(['b']);
    expect(await letters.countsByReason()).toEqual({ schema: 2, unknown_topic: 1 });
    expect(await letters.deleteOlderThan(at(3))).toBe(2);
    expect(await letters.countsByReason()).toEqual({ schema: 1 });
  });

  it('system log entries made from a robot message are kept once per message key', async () => {
    const logs = new SystemLogRepository((await factory().create()).db);
    const line = {
      level: 'INFO' as const,
      category: 'robot',
      message: 'walking',
      robot_id: 'r1',
      message_key: 'log:9',
    };
    await logs.insertMany([line, { level: 'INFO', category: 'api', message: 'no key' }]);
    await logs.insertMany([line, { level: 'INFO', category: 'api', message: 'no key' }]);
    expect((await logs.list({ category: 'robot' })).total).toBe(1);
    expect((await logs.list({ category: 'api' })).total).toBe(2);
  });
});
