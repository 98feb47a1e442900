import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isProcessAlive, processStartTime } from '@fleet/platform';
import { decodeRecord, encodeRecordInto, frameLength, recordFootprint, type BufferedMessage } from './record-codec';

export interface MessageLogOptions {
  dir: string;
  /** Bound on the bytes of messages received and not yet committed; past it, `append` refuses. */
  maxBytes: number;
  /** Bound on the bytes of messages kept in memory; past it, they are read back from disk when their turn comes. */
  memoryMaxBytes: number;
  /** Flush to the disk this often; 0 flushes after every message. */
  fsyncMs: number;
  /** A segment file is closed and a new one started past this size. */
  segmentBytes?: number;
  logger: Logger;
}

export type NewMessage = Omit<BufferedMessage, 'seq'>;

interface Segment {
  firstSeq: number;
  path: string;
  size: number;
}

interface Checkpoint {
  logId: string;
  /** The first message not yet committed. */
  next: number;
}

const SEGMENT_PREFIX = 'segment-';
const READ_CHUNK = 4 * 1024 * 1024;
/** Frames are encoded into buffers of this size (a larger frame gets its own). */
const SLAB_BYTES = 256 * 1024;

/**
 * Ingest's on-disk buffer: an append-only log of every message received, written before the message is
 * acknowledged, and committed once what was made of it is stored. After a crash, everything after the last commit is
 * read again (stores are idempotent, so nothing is counted twice).
 *
 * Messages are staged as they arrive and written together, one `write` system call for all that arrived in one turn
 * of the event loop, before any of them is acknowledged, so they survive the process being killed; the disk itself
 * is flushed every `fsyncMs` (like a database's group commit), which bounds what a power failure can take. Messages also stay in memory, up to `memoryMaxBytes`, so they are not read back in the normal
 * case; past that bound the log "spills" and the reader follows the files until it has caught up.
 *
 * @example
 * const log = MessageLog.open({ dir, maxBytes: 1 << 30, memoryMaxBytes: 64 << 20, fsyncMs: 100, logger });
 * log.stage({ receivedAt: Date.now(), qos: 1, topic, payload, size: payload.length }); // ... more of this turn
 * log.writeStaged(); // then acknowledge them
 * const batch = log.take(5_000); // ... store it ...
 * log.commit(batch);
 */
export class MessageLog {
  /** Identifies this log's messages among every log's (a fresh directory gets a new id). */
  readonly logId: string;
  private readonly segments: Segment[] = [];
  private writeFd: number;
  /** Seq of the next message staged. */
  private nextSeq: number;
  /** Seq after the last message written: messages from here to `nextSeq` are staged. */
  private writtenSeq: number;
  private committed: number;
  /** Next message `take` hands out. */
  private cursor: number;
  private pendingBytes = 0;
  private memory: BufferedMessage[] = [];
  private staged: BufferedMessage[] = [];
  /** Frames are encoded into slabs; what is staged is the slabs' unwritten parts. */
  private slab: Buffer = Buffer.alloc(0);
  private slabUsed = 0;
  private slabWritten = 0;
  private stagedSlabs: Buffer[] = [];
  private memoryHead = 0;
  private spilled: boolean;
  private reader?: { segment: number; fd: number; offset: number };
  private dirty = false;
  private flushTimer?: NodeJS.Timeout;
  private spaceWaiters: (() => void)[] = [];
  private dataWaiters: (() => void)[] = [];
  private closed = false;
  private readonly segmentBytes: number;
  private readonly lockPath: string;

  private constructor(
    private readonly options: MessageLogOptions,
    checkpoint: Checkpoint,
  ) {
    this.logId = checkpoint.logId;
    this.segmentBytes = options.segmentBytes ?? Math.max(1 << 20, Math.min(64 << 20, options.maxBytes / 4));
    this.lockPath = join(options.dir, 'LOCK');
    this.committed = checkpoint.next;
    this.cursor = checkpoint.next;
    this.nextSeq = checkpoint.next;
    this.writtenSeq = checkpoint.next;
    this.writeFd = -1;
    this.spilled = false;
  }

  static open(options: MessageLogOptions): MessageLog {
    mkdirSync(options.dir, { recursive: true });
    lockDirectory(options.dir);
    const checkpoint = readCheckpoint(options.dir);
    const log = new MessageLog(options, checkpoint);
    log.recover();
    if (options.fsyncMs > 0) {
      log.flushTimer = setInterval(() => log.flush(), options.fsyncMs);
      log.flushTimer.unref();
    }
    return log;
  }

  /** Messages received and not yet committed, and their size. */
  get backlog(): { messages: number; bytes: number } {
    return { messages: this.nextSeq - this.committed, bytes: this.pendingBytes };
  }

  /** Whether the log holds messages in files only (the memory bound was reached). */
  get spilling(): boolean {
    return this.spilled;
  }

  /**
   * Writes a message; once this returns it survives a crash of the process. Returns null (and writes nothing) when
   * the log is full: wait for {@link waitForSpace} and try again.
   */
  append(input: NewMessage): BufferedMessage | null {
    const message = this.stage(input);
    if (message) this.writeStaged();
    return message;
  }

  /**
   * Takes a message into the log without writing it yet: it gets its place, and is written (and then handed out by
   * {@link take}) by the next {@link writeStaged}, together with every message staged before it. That is the group
   * commit: the messages that arrive in one turn of the event loop cost one system call, and none of them may be
   * acknowledged before `writeStaged` returns. Returns null (and stages nothing) when the log is full.
   */
  stage(input: NewMessage): BufferedMessage | null {
    if (this.closed) throw new Error('the ingest buffer is closed');
    const message: BufferedMessage = {
      seq: this.nextSeq,
      receivedAt: input.receivedAt,
      qos: input.qos,
      topic: input.topic,
      payload: input.payload,
      size: input.size,
    };
    const footprint = recordFootprint(message);
    // An empty log takes any one message, so a message larger than the bound cannot wedge it.
    if (this.pendingBytes > 0 && this.pendingBytes + footprint > this.options.maxBytes) return null;
    const topicBytes = Buffer.byteLength(message.topic);
    const frame = this.reserve(frameLength(message, topicBytes));
    encodeRecordInto(message, topicBytes, frame);
    // Held as a view of its frame: the received payload may be a slice of a much larger socket buffer, which
    // holding it would keep alive.
    message.payload = frame.subarray(frame.length - message.payload.length);
    this.nextSeq += 1;
    // Until it spills, every message not yet committed is in memory, so the pending bytes are the memory used.
    if (!this.spilled && this.pendingBytes + footprint > this.options.memoryMaxBytes) {
      this.spilled = true;
      this.options.logger.warn(
        { backlog: this.backlog.messages, memoryMaxBytes: this.options.memoryMaxBytes },
        'ingest buffer past its memory bound: messages now wait on disk',
      );
    }
    this.pendingBytes += footprint;
    this.staged.push(message);
    return message;
  }

  /** Whether messages are staged and not yet written. */
  get hasStaged(): boolean {
    return this.staged.length > 0;
  }

  /**
   * Writes every staged message with one system call; once this returns they survive a crash of the process. A
   * write that fails is cut off the file again (no partial frame stays behind it) and the messages stay staged, so
   * the next call writes them whole.
   */
  writeStaged(): void {
    if (this.staged.length === 0) return;
    if (this.closed) throw new Error('the ingest buffer is closed');
    const slices = this.stagedSlabs;
    if (this.slabUsed > this.slabWritten) slices.push(this.slab.subarray(this.slabWritten, this.slabUsed));
    const active = this.segments[this.segments.length - 1];
    let bytes = 0;
    for (const slice of slices) bytes += slice.length;
    try {
      writeAllv(this.writeFd, slices);
      if (this.options.fsyncMs === 0) fdatasyncSync(this.writeFd);
    } catch (error) {
      ftruncateSync(this.writeFd, active.size);
      // Kept for the next call, the current slab's part as one slice.
      this.stagedSlabs = slices;
      this.slabWritten = this.slabUsed;
      throw error;
    }
    this.stagedSlabs = [];
    this.slabWritten = this.slabUsed;
    if (this.options.fsyncMs > 0) this.dirty = true;
    active.size += bytes;
    const staged = this.staged;
    this.staged = [];
    this.writtenSeq = this.nextSeq;
    if (!this.spilled) for (const message of staged) this.memory.push(message);
    if (active.size >= this.segmentBytes) this.roll();
    this.wake(this.dataWaiters);
  }

  /** `length` bytes of the slab frames are written into, starting a new slab when this one is full. */
  private reserve(length: number): Buffer {
    if (this.slabUsed + length > this.slab.length) {
      if (this.slabUsed > this.slabWritten) this.stagedSlabs.push(this.slab.subarray(this.slabWritten, this.slabUsed));
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, length));
      this.slabUsed = 0;
      this.slabWritten = 0;
    }
    const frame = this.slab.subarray(this.slabUsed, this.slabUsed + length);
    this.slabUsed += length;
    return frame;
  }

  /** Resolves when `append` may succeed again. */
  waitForSpace(): Promise<void> {
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Resolves when there is something to take (or the log closes). */
  waitForMessages(): Promise<void> {
    if (this.cursor < this.writtenSeq || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  /** Hands out up to `max` messages in order, each once (until a restart), from memory or from the files. */
  take(max: number): BufferedMessage[] {
    if (this.cursor >= this.writtenSeq || max <= 0) return [];
    if (!this.spilled) {
      const end = Math.min(this.memory.length, this.memoryHead + max);
      const batch = this.memory.slice(this.memoryHead, end);
      this.memoryHead = end;
      if (this.memoryHead > 4096 && this.memoryHead * 2 > this.memory.length) {
        this.memory = this.memory.slice(this.memoryHead);
        this.memoryHead = 0;
      }
      if (batch.length > 0) this.cursor = batch[batch.length - 1].seq + 1;
      return batch;
    }
    const batch = this.readFromDisk(max);
    if (batch.length > 0) this.cursor = batch[batch.length - 1].seq + 1;
    if (this.cursor >= this.writtenSeq) this.catchUp();
    return batch;
  }

  /** Marks these messages (the oldest handed out, in order) done: they will not be read again. */
  commit(batch: readonly BufferedMessage[]): void {
    if (batch.length === 0) return;
    const first = batch[0].seq;
    if (first !== this.committed)
      throw new Error(`ingest buffer commit out of order: expected message ${this.committed}, got ${first}`);
    let bytes = 0;
    for (const message of batch) bytes += recordFootprint(message);
    this.pendingBytes -= bytes;
    this.committed = batch[batch.length - 1].seq + 1;
    writeCheckpoint(this.options.dir, { logId: this.logId, next: this.committed });
    this.dropCommittedSegments();
    this.wake(this.spaceWaiters);
  }

  /** Flushes written messages to the disk now. */
  flush(): void {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    fdatasync(this.writeFd, (error) => {
      if (error && !this.closed) this.options.logger.error({ err: error }, 'cannot flush the ingest buffer');
    });
  }

  close(): void {
    if (this.closed) return;
    // Staged messages were not acknowledged, but are kept all the same: the broker sends them again, and a message
    // stored twice is stored once.
    try {
      this.writeStaged();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cannot write the last staged messages; the broker sends them again');
    }
    this.closed = true;
    clearInterval(this.flushTimer);
    try {
      fdatasyncSync(this.writeFd);
    } finally {
      closeSync(this.writeFd);
      if (this.reader) closeSync(this.reader.fd);
      rmSync(this.lockPath, { force: true });
    }
    this.wake(this.dataWaiters);
    this.wake(this.spaceWaiters);
  }

  // ---- recovery, segments and reading back ----

  private recover(): void {
    const files = readdirSync(this.options.dir)
      .filter((name) => name.startsWith(SEGMENT_PREFIX) && name.endsWith('.log'))
      .map((name) => ({ name, firstSeq: Number(name.slice(SEGMENT_PREFIX.length, -4)) }))
      .filter((f) => Number.isSafeInteger(f.firstSeq))
      .sort((a, b) => a.firstSeq - b.firstSeq);
    for (const file of files) {
      const path = join(this.options.dir, file.name);
      this.segments.push({ firstSeq: file.firstSeq, path, size: fstatSizeOf(path) });
    }
    if (this.segments.length === 0) {
      this.startSegment(this.committed);
      return;
    }
    // Only the last segment can end in a write cut short by a crash: find its last whole message.
    const last = this.segments[this.segments.length - 1];
    const { nextSeq, validBytes, pending } = scanSegment(last, this.committed);
    if (validBytes < last.size) {
      this.options.logger.warn(
        { segment: last.path, kept: validBytes, dropped: last.size - validBytes },
        'ingest buffer ends in a partly written message (the process stopped while writing it); it was never acknowledged and is cut off',
      );
      const fd = openSync(last.path, 'r+');
      ftruncateSync(fd, validBytes);
      closeSync(fd);
      last.size = validBytes;
    }
    this.nextSeq = Math.max(nextSeq, this.committed);
    this.writtenSeq = this.nextSeq;
    this.writeFd = openSync(last.path, 'a');
    // Bytes still to process: whole earlier segments count in full (an over-estimate by at most their committed part).
    this.pendingBytes = pending;
    for (const segment of this.segments.slice(0, -1))
      if (this.lastSeqOf(segment) >= this.committed) this.pendingBytes += segment.size;
    this.dropCommittedSegments();
    if (this.nextSeq > this.committed) {
      this.spilled = true;
      this.options.logger.info(
        { messages: this.nextSeq - this.committed, dir: this.options.dir },
        'ingest buffer holds messages from before the restart; storing them first',
      );
    }
  }

  private lastSeqOf(segment: Segment): number {
    const index = this.segments.indexOf(segment);
    const next = this.segments[index + 1];
    return next ? next.firstSeq - 1 : this.nextSeq - 1;
  }

  private startSegment(firstSeq: number): void {
    const path = join(this.options.dir, `${SEGMENT_PREFIX}${String(firstSeq).padStart(16, '0')}.log`);
    this.writeFd = openSync(path, 'a');
    this.segments.push({ firstSeq, path, size: 0 });
  }

  private roll(): void {
    fdatasyncSync(this.writeFd);
    closeSync(this.writeFd);
    this.dirty = false;
    this.startSegment(this.nextSeq);
  }

  private dropCommittedSegments(): void {
    while (this.segments.length > 1 && this.segments[1].firstSeq <= this.committed) {
      const done = this.segments.shift() as Segment;
      if (this.reader) {
        this.reader.segment -= 1;
        if (this.reader.segment < 0) {
          closeSync(this.reader.fd);
          this.reader = undefined;
        }
      }
      rmSync(done.path, { force: true });
    }
    // The active segment is only replaced when everything in it is done, so it never grows past its bound idle.
    const active = this.segments[this.segments.length - 1];
    if (this.committed === this.nextSeq && active.size >= this.segmentBytes / 4 && !this.reader) {
      this.roll();
      this.dropCommittedSegments();
    }
  }

  private readFromDisk(max: number): BufferedMessage[] {
    const batch: BufferedMessage[] = [];
    let budget = Math.max(READ_CHUNK, this.options.memoryMaxBytes / 4);
    while (batch.length < max && this.cursor + batch.length < this.writtenSeq && budget > 0) {
      if (!this.reader) {
        const wanted = this.cursor + batch.length;
        let index = this.segments.length - 1;
        while (index > 0 && this.segments[index].firstSeq > wanted) index -= 1;
        this.reader = { segment: index, fd: openSync(this.segments[index].path, 'r'), offset: 0 };
      }
      const segment = this.segments[this.reader.segment];
      if (this.reader.offset >= segment.size) {
        if (this.reader.segment === this.segments.length - 1) break;
        closeSync(this.reader.fd);
        this.reader = {
          segment: this.reader.segment + 1,
          fd: openSync(this.segments[this.reader.segment + 1].path, 'r'),
          offset: 0,
        };
        continue;
      }
      const length = Math.min(READ_CHUNK, segment.size - this.reader.offset);
      let chunk: Buffer = Buffer.allocUnsafe(length);
      const read = readSync(this.reader.fd, chunk, 0, length, this.reader.offset);
      chunk = chunk.subarray(0, read);
      let at = 0;
      while (at < chunk.length && batch.length < max) {
        const decoded = decodeRecord(chunk, at);
        if (decoded.kind === 'incomplete') {
          if (at === 0) chunk = readFrameAt(this.reader.fd, segment.path, this.reader.offset);
          else break;
          continue;
        }
        if (decoded.kind === 'corrupt')
          throw new Error(
            `ingest buffer ${segment.path} is damaged at byte ${this.reader.offset + at}: ${decoded.reason}`,
          );
        at += decoded.frameLength;
        budget -= decoded.frameLength;
        if (decoded.message.seq >= this.cursor + batch.length) batch.push(decoded.message);
      }
      this.reader.offset += at;
    }
    return batch;
  }

  /** The reader reached the newest message: new messages are kept in memory again. */
  private catchUp(): void {
    if (this.reader) closeSync(this.reader.fd);
    this.reader = undefined;
    this.spilled = false;
    this.memory = [];
    this.memoryHead = 0;
  }

  private wake(waiters: (() => void)[]): void {
    if (waiters.length === 0) return;
    const all = waiters.splice(0);
    for (const resolve of all) resolve();
  }
}

/** One frame larger than a read chunk. */
function readFrameAt(fd: number, path: string, offset: number): Buffer {
  const header = Buffer.alloc(4);
  readSync(fd, header, 0, 4, offset);
  const length = 8 + header.readUInt32LE(0);
  const buffer = Buffer.allocUnsafe(length);
  const read = readSync(fd, buffer, 0, length, offset);
  if (read < length) throw new Error(`ingest buffer ${path} ends inside a message at byte ${offset}`);
  return buffer;
}

function writeAllv(fd: number, slices: Buffer[]): void {
  let rest = slices;
  while (rest.length > 0) {
    let written = rest.length === 1 ? writeSync(fd, rest[0]) : writevSync(fd, rest);
    const left: Buffer[] = [];
    for (const slice of rest) {
      if (written >= slice.length) written -= slice.length;
      else {
        left.push(written > 0 ? slice.subarray(written) : slice);
        written = 0;
      }
    }
    rest = left;
  }
}

function fstatSizeOf(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** Reads a segment to its last whole message: where the next message goes, and the bytes not yet committed. */
function scanSegment(segment: Segment, committed: number): { nextSeq: number; validBytes: number; pending: number } {
  const data = readFileSync(segment.path);
  let at = 0;
  let nextSeq = segment.firstSeq;
  let pending = 0;
  while (at < data.length) {
    const decoded = decodeRecord(data, at);
    if (decoded.kind !== 'record') break;
    nextSeq = decoded.message.seq + 1;
    if (decoded.message.seq >= committed) pending += recordFootprint(decoded.message);
    at += decoded.frameLength;
  }
  return { nextSeq, validBytes: at, pending };
}

function readCheckpoint(dir: string): Checkpoint {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Partial<Checkpoint>;
    if (typeof parsed.logId === 'string' && Number.isSafeInteger(parsed.next) && (parsed.next as number) >= 0)
      return { logId: parsed.logId, next: parsed.next as number };
    throw new Error('checkpoint.json is not a checkpoint');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot read the ingest buffer's checkpoint in ${dir}`, { cause: error });
    const fresh = { logId: randomUUID(), next: 0 };
    writeCheckpoint(dir, fresh);
    return fresh;
  }
}

function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  const path = join(dir, 'checkpoint.json');
  writeFileSync(`${path}.tmp`, JSON.stringify(checkpoint));
  renameSync(`${path}.tmp`, path);
}

/** One process per buffer directory: a second would read and commit the same messages. */
function lockDirectory(dir: string): void {
  const path = join(dir, 'LOCK');
  let owner: string[] = [];
  try {
    owner = readFileSync(path, 'utf8').trim().split(' ');
  } catch {
    // no lock: free
  }
  const pid = Number(owner[0]);
  if (pid && pid !== process.pid && isProcessAlive(pid)) {
    const started = owner[1];
    if (!started || processStartTime(pid) === undefined || processStartTime(pid) === started)
      throw new Error(
        `the ingest buffer ${dir} is in use by another process (pid ${pid}); give each ingest replica its own INGEST_BUFFER_DIR or FLEET_INSTANCE_ID`,
      );
  }
  writeFileSync(path, `${process.pid} ${processStartTime(process.pid) ?? ''}\n`);
}
