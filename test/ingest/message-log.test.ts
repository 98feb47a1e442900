import { appendFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageLog, type MessageLogOptions } from '@apps/ingest/src/buffer/message-log';
import type { BufferedMessage } from '@apps/ingest/src/buffer/record-codec';
import { processStartTime } from '@fleet/platform';
import { captureLogs } from '../support/logs';
import { tempDir } from '../support/temp-dir';

describe('the ingest buffer (on-disk message log)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const open: MessageLog[] = [];

  beforeEach(async () => {
    dir = await tempDir('fleet-ingest-log');
  });
  afterEach(async () => {
    for (const log of open.splice(0)) log.close();
    await dir.remove();
  });

  function openLog(overrides: Partial<MessageLogOptions> = {}): MessageLog {
    const log = MessageLog.open({
      dir: dir.path,
      maxBytes: 64 * 1024 * 1024,
      memoryMaxBytes: 8 * 1024 * 1024,
      fsyncMs: 50,
      logger: captureLogs().logger,
      ...overrides,
    });
    open.push(log);
    return log;
  }

  function closeLog(log: MessageLog): void {
    log.close();
    open.splice(open.indexOf(log), 1);
  }

  const message = (n: number, bytes = 40) => {
    const payload = Buffer.from(JSON.stringify({ n, pad: 'x'.repeat(bytes) }));
    return {
      receivedAt: 1_700_000_000_000 + n,
      qos: 1,
      topic: `tonypi/sensors/robot_${n % 3}`,
      payload,
      size: payload.length,
    };
  };
  const ns = (batch: BufferedMessage[]) => batch.map((m) => (JSON.parse(m.payload.toString()) as { n: number }).n);

  it('writes staged messages together, across several slabs and a frame larger than one, and reads them back after a restart', () => {
    const log = openLog({ fsyncMs: 0 });
    const sizes = [...Array.from({ length: 300 }, () => 1_000), 400_000, 50, 2_000];
    sizes.forEach((bytes, n) => expect(log.stage(message(n, bytes))?.seq).toBe(n));
    expect(log.take(1_000)).toEqual([]);
    log.writeStaged();
    const batch = log.take(1_000);
    expect(ns(batch)).toEqual(sizes.map((_, n) => n));
    expect(batch[300].payload.length).toBeGreaterThan(400_000);
    closeLog(log);

    const reopened = openLog({ fsyncMs: 0 });
    const again = reopened.take(1_000);
    expect(ns(again)).toEqual(sizes.map((_, n) => n));
    expect(again.map((m) => m.payload.toString())).toEqual(batch.map((m) => m.payload.toString()));
  });

  it('writes what was staged when it closes (those messages were not acknowledged, but nothing is thrown away)', () => {
    const log = openLog();
    for (let n = 0; n < 3; n += 1) log.stage(message(n));
    closeLog(log);
    expect(ns(openLog().take(10))).toEqual([0, 1, 2]);
  });

  it('hands out appended messages in order, each once, with topic, time and payload intact', () => {
    const log = openLog();
    for (let n = 0; n < 10; n += 1) log.append(message(n));
    const first = log.take(4);
    expect(ns(first)).toEqual([0, 1, 2, 3]);
    expect(first[1]).toMatchObject({ topic: 'tonypi/sensors/robot_1', receivedAt: 1_700_000_000_001, qos: 1 });
    expect(ns(log.take(100))).toEqual([4, 5, 6, 7, 8, 9]);
    expect(log.take(100)).toEqual([]);
    expect(log.backlog.messages).toBe(10);
  });

  it('after a restart, hands out again exactly what was not committed', () => {
    const log = openLog();
    for (let n = 0; n < 10; n += 1) log.append(message(n));
    log.commit(log.take(6));
    log.take(4); // taken but never committed: the process "dies" before storing them
    closeLog(log);

    const reopened = openLog();
    expect(reopened.backlog.messages).toBe(4);
    expect(ns(reopened.take(100))).toEqual([6, 7, 8, 9]);
    reopened.append(message(10));
    expect(ns(reopened.take(100))).toEqual([10]);
  });

  it('cuts off a message whose write was cut short and keeps every whole one before it', () => {
    const log = openLog();
    for (let n = 0; n < 5; n += 1) log.append(message(n));
    closeLog(log);
    const segment = readdirSync(dir.path).find((f) => f.startsWith('segment-')) as string;
    appendFileSync(join(dir.path, segment), Buffer.from([200, 0, 0, 0, 1, 2, 3])); // a torn frame

    const { logger, lines } = captureLogs();
    const reopened = openLog({ logger });
    expect(ns(reopened.take(100))).toEqual([0, 1, 2, 3, 4]);
    reopened.append(message(5));
    expect(ns(reopened.take(100))).toEqual([5]);
    expect(lines().some((l) => String(l.msg).includes('partly written'))).toBe(true);
  });

  it('past its memory bound keeps taking messages from disk, in order, then returns to memory', () => {
    const log = openLog({ memoryMaxBytes: 2_000 });
    for (let n = 0; n < 200; n += 1) log.append(message(n));
    expect(log.spilling).toBe(true);
    const seen: number[] = [];
    for (let batch = log.take(37); batch.length > 0; batch = log.take(37)) {
      seen.push(...ns(batch));
      log.commit(batch);
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, n) => n));
    expect(log.spilling).toBe(false);
    log.append(message(200));
    expect(ns(log.take(10))).toEqual([200]);
  });

  it('refuses messages when full and takes them again once a commit makes room', async () => {
    const log = openLog({ maxBytes: 3_000 });
    let accepted = 0;
    while (log.append(message(accepted))) accepted += 1;
    expect(accepted).toBeGreaterThan(3);
    const room = log.waitForSpace();
    log.commit(log.take(2));
    await room;
    expect(log.append(message(accepted))).not.toBeNull();
  });

  it('a message larger than the whole bound still goes into an empty log', () => {
    const log = openLog({ maxBytes: 100 });
    expect(log.append(message(0, 500))).not.toBeNull();
    expect(log.append(message(1))).toBeNull();
  });

  it('rolls segment files and deletes those fully committed', () => {
    const log = openLog({ segmentBytes: 4_096 });
    for (let n = 0; n < 500; n += 1) log.append(message(n));
    const segments = () => readdirSync(dir.path).filter((f) => f.startsWith('segment-'));
    expect(segments().length).toBeGreaterThan(5);
    for (let batch = log.take(100); batch.length > 0; batch = log.take(100)) log.commit(batch);
    expect(segments().length).toBe(1);
    const active = join(dir.path, segments()[0]);
    expect(statSync(active).size).toBeLessThan(4_096);
  });

  it('a restart in the middle of several segments replays from the checkpoint across files', () => {
    const log = openLog({ segmentBytes: 4_096, memoryMaxBytes: 3_000 });
    for (let n = 0; n < 300; n += 1) log.append(message(n));
    log.commit(log.take(120));
    closeLog(log);
    const reopened = openLog({ segmentBytes: 4_096, memoryMaxBytes: 3_000 });
    const seen: number[] = [];
    for (let batch = reopened.take(50); batch.length > 0; batch = reopened.take(50)) {
      seen.push(...ns(batch));
      reopened.commit(batch);
    }
    expect(seen).toEqual(Array.from({ length: 180 }, (_, n) => n + 120));
  });

  it('rejects commits out of order (a bug, never a silent loss)', () => {
    const log = openLog();
    for (let n = 0; n < 4; n += 1) log.append(message(n));
    const [a, b] = [log.take(2), log.take(2)];
    expect(() => log.commit(b)).toThrow(/out of order/);
    log.commit(a);
    log.commit(b);
  });

  it('belongs to one process at a time: a directory locked by another live process is refused', () => {
    const owner = process.ppid; // alive for as long as this test runs
    writeFileSync(join(dir.path, 'LOCK'), `${owner} ${processStartTime(owner) ?? ''}\n`);
    expect(() => openLog()).toThrow(new RegExp(`in use by another process \\(pid ${owner}\\)`));
    writeFileSync(join(dir.path, 'LOCK'), '999999999 \n'); // a process that is gone
    expect(() => openLog()).not.toThrow();
  });
});
