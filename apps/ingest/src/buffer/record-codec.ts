import { crc32 } from 'node:zlib';

/** A message as ingest received it, before anything was made of it. */
export interface BufferedMessage {
  /** Position in the buffer: consecutive, never reused within one buffer. */
  seq: number;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  qos: number;
  topic: string;
  /** The payload, cut to the first bytes kept when it was larger than allowed (see `size`). */
  payload: Buffer;
  /** Size of the payload as received. */
  size: number;
}

// Frame: u32 body length, u32 crc32(body), body.
// Body: f64 seq, f64 receivedAt, u32 size, u8 qos, u16 topic length, topic (utf8), payload.
const FRAME_HEADER = 8;
const BODY_FIXED = 8 + 8 + 4 + 1 + 2;
/** Larger than any frame ingest writes; a length beyond it can only be a torn or corrupt frame. */
export const MAX_FRAME_BODY = 256 * 1024 * 1024 + 65_536 + BODY_FIXED;

/** Bytes the frame of `message` takes, given its topic's length in UTF-8. */
export function frameLength(message: BufferedMessage, topicBytes: number): number {
  return FRAME_HEADER + BODY_FIXED + topicBytes + message.payload.length;
}

/** Writes the frame of `message` into `frame`, which is exactly {@link frameLength} bytes. */
export function encodeRecordInto(message: BufferedMessage, topicBytes: number, frame: Buffer): void {
  const bodyLength = frame.length - FRAME_HEADER;
  let at = FRAME_HEADER;
  at = frame.writeDoubleLE(message.seq, at);
  at = frame.writeDoubleLE(message.receivedAt, at);
  at = frame.writeUInt32LE(message.size, at);
  at = frame.writeUInt8(message.qos, at);
  at = frame.writeUInt16LE(topicBytes, at);
  at += frame.write(message.topic, at, 'utf8');
  message.payload.copy(frame, at);
  frame.writeUInt32LE(bodyLength, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER)), 4);
}

export type DecodeResult =
  | { kind: 'record'; message: BufferedMessage; frameLength: number }
  /** The buffer ends inside a frame: read more (or, at the end of a file, a write was cut short). */
  | { kind: 'incomplete' }
  /** The bytes at this position are not a frame Fleet wrote. */
  | { kind: 'corrupt'; reason: string };

/** Decodes the frame at `offset` of `chunk`. The returned payload is a copy, safe to keep. */
export function decodeRecord(chunk: Buffer, offset: number): DecodeResult {
  if (chunk.length - offset < FRAME_HEADER) return { kind: 'incomplete' };
  const bodyLength = chunk.readUInt32LE(offset);
  if (bodyLength < BODY_FIXED || bodyLength > MAX_FRAME_BODY)
    return { kind: 'corrupt', reason: `impossible frame length ${bodyLength}` };
  if (chunk.length - offset < FRAME_HEADER + bodyLength) return { kind: 'incomplete' };
  const body = chunk.subarray(offset + FRAME_HEADER, offset + FRAME_HEADER + bodyLength);
  if (crc32(body) !== chunk.readUInt32LE(offset + 4)) return { kind: 'corrupt', reason: 'checksum mismatch' };
  const topicLength = body.readUInt16LE(21);
  if (BODY_FIXED + topicLength > bodyLength) return { kind: 'corrupt', reason: 'topic runs past the frame' };
  return {
    kind: 'record',
    frameLength: FRAME_HEADER + bodyLength,
    message: {
      seq: body.readDoubleLE(0),
      receivedAt: body.readDoubleLE(8),
      size: body.readUInt32LE(16),
      qos: body.readUInt8(20),
      topic: body.toString('utf8', BODY_FIXED, BODY_FIXED + topicLength),
      payload: Buffer.from(body.subarray(BODY_FIXED + topicLength)),
    },
  };
}

/** What a held message costs in memory beyond its bytes: the message object, its Buffer and the topic string. */
const HELD_OVERHEAD = 256;

/**
 * Bytes a message is counted for against the buffer's bounds: its frame on disk plus what holding it in memory
 * costs, so the memory bound holds for small messages too.
 */
export function recordFootprint(message: BufferedMessage): number {
  return FRAME_HEADER + BODY_FIXED + HELD_OVERHEAD + message.topic.length * 3 + message.payload.length;
}
