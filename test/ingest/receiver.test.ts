import { loadConfig } from '@fleet/config';
import { MetricsService } from '@fleet/platform';
import { MessageLog } from '@apps/ingest/src/buffer/message-log';
import { IngestMetrics } from '@apps/ingest/src/ingest.metrics';
import { receiveInto } from '@apps/ingest/src/ingest.receiver';
import { captureLogs } from '../support/logs';
import { tempDir } from '../support/temp-dir';

describe('receiving into the ingest buffer', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let log: MessageLog;

  beforeEach(async () => {
    dir = await tempDir('fleet-receiver');
  });
  afterEach(async () => {
    log.close();
    await dir.remove();
  });

  const message = (n: number, bytes = 100) => ({
    topic: `tonypi/sensors/r${n}`,
    payload: Buffer.from(JSON.stringify({ n, pad: 'x'.repeat(bytes) })),
    qos: 1,
    retain: false,
  });

  it('holds the acknowledgement while the buffer is full, and takes the message once a commit makes room', async () => {
    log = MessageLog.open({
      dir: dir.path,
      maxBytes: 2_000,
      memoryMaxBytes: 2_000,
      fsyncMs: 0,
      logger: captureLogs().logger,
    });
    const metrics = new IngestMetrics(new MetricsService('test'));
    const receive = receiveInto(log, loadConfig({}), metrics);
    let n = 0;
    let held = receive.handle(message(n));
    while (held === undefined) held = receive.handle(message((n += 1))); // taken at once while there is room
    let acknowledged = false;
    void held.then(() => (acknowledged = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(acknowledged).toBe(false);

    log.commit(log.take(2));
    await held;
    receive.settle();
    const rest = log.take(100);
    expect(rest.at(-1)?.topic).toBe(`tonypi/sensors/r${n}`);
    expect(await metrics.waitingForSpace.get()).toMatchObject({ values: [expect.objectContaining({ value: 1 })] });
  });

  it('writes the messages of one turn together when it settles, and hands out none of them before', async () => {
    log = MessageLog.open({
      dir: dir.path,
      maxBytes: 1 << 20,
      memoryMaxBytes: 1 << 20,
      fsyncMs: 0,
      logger: captureLogs().logger,
    });
    const metrics = new IngestMetrics(new MetricsService('test'));
    const receive = receiveInto(log, loadConfig({}), metrics);
    for (let n = 0; n < 5; n += 1) expect(receive.handle(message(n))).toBeUndefined();
    expect(log.take(10)).toEqual([]);
    expect(log.hasStaged).toBe(true);
    let woken = false;
    void log.waitForMessages().then(() => (woken = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(false);

    receive.settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(true);
    expect(log.hasStaged).toBe(false);
    expect(log.take(10).map((m) => m.topic)).toEqual([0, 1, 2, 3, 4].map((n) => `tonypi/sensors/r${n}`));
    expect(await metrics.received.get()).toMatchObject({
      values: [expect.objectContaining({ labels: { qos: 1 }, value: 5 })],
    });
  });

  it('keeps only the first 4 KiB of an oversize payload, with its full size, and skips what Fleet sends robots', () => {
    log = MessageLog.open({
      dir: dir.path,
      maxBytes: 1 << 20,
      memoryMaxBytes: 1 << 20,
      fsyncMs: 0,
      logger: captureLogs().logger,
    });
    const receive = receiveInto(
      log,
      loadConfig({ INGEST_MAX_MESSAGE_BYTES: '1024' }),
      new IngestMetrics(new MetricsService('test')),
    );
    expect(receive.handle(message(1, 10_000))).toBeUndefined(); // taken at once
    expect(receive.handle({ ...message(2), topic: 'tonypi/commands/r2' })).toBeUndefined();
    receive.settle();
    const [kept, ...others] = log.take(10);
    expect(others).toEqual([]);
    expect(kept?.payload.length).toBe(4096);
    expect(kept?.size).toBeGreaterThan(10_000);
  });
});
