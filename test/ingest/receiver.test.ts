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
    let held = receive(message(n));
    while (held === undefined) held = receive(message((n += 1))); // acknowledged at once while there is room
    let acknowledged = false;
    void held.then(() => (acknowledged = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(acknowledged).toBe(false);

    log.commit(log.take(2));
    await held;
    const rest = log.take(100);
    expect(rest.at(-1)?.topic).toBe(`tonypi/sensors/r${n}`);
    expect(await metrics.waitingForSpace.get()).toMatchObject({ values: [expect.objectContaining({ value: 1 })] });
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
    expect(receive(message(1, 10_000))).toBeUndefined(); // taken and acknowledged at once
    expect(receive({ ...message(2), topic: 'tonypi/commands/r2' })).toBeUndefined();
    const [kept, ...others] = log.take(10);
    expect(others).toEqual([]);
    expect(kept?.payload.length).toBe(4096);
    expect(kept?.size).toBeGreaterThan(10_000);
  });
});
