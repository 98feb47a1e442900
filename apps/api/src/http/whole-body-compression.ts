import { promisify } from 'node:util';
import { brotliCompress, gzip, type BrotliOptions, type ZlibOptions } from 'node:zlib';
import { Negotiator } from '@fastify/accept-negotiator';
import type { FastifyInstance, FastifyReply } from 'fastify';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface WholeBodyCompressionOptions {
  /** Answers shorter than this are sent as they are. */
  thresholdBytes: number;
  brotli: BrotliOptions;
  gzip: ZlibOptions;
}

/** Text formats worth compressing; images, PDFs and archives are compressed already. */
const COMPRESSIBLE = /^(?:text\/|application\/(?:json|[\w.-]+\+json|xml|javascript|x-ndjson)\b)/i;

const ENCODINGS = ['br', 'gzip'] as const;

/** Adds `accept-encoding` to the answer's `Vary`, once. */
function varyOnEncoding(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  const list = Array.isArray(vary) ? vary.join(',') : String(vary ?? '');
  if (list.trim() === '*' || /(?:^|,)\s*accept-encoding\s*(?:,|$)/i.test(list)) return;
  void reply.header('vary', list.trim() === '' ? 'accept-encoding' : `${list}, accept-encoding`);
}

/**
 * Compresses answers that are whole in memory (JSON pages, histories) in one call on zlib's thread, with a
 * `content-length`, for clients that accept brotli or gzip. Streamed answers (exports) are left to the streaming
 * compressor registered after it, which passes on what this one has compressed.
 */
export function compressWholeBodies(app: FastifyInstance, options: WholeBodyCompressionOptions): void {
  const negotiator = new Negotiator({ supportedValues: [...ENCODINGS] });
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (reply.hasHeader('content-encoding') || request.headers['x-no-compression'] !== undefined) return payload;
    if (!COMPRESSIBLE.test(String(reply.getHeader('content-type') ?? ''))) return payload;
    const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (body.length < options.thresholdBytes) return body;
    varyOnEncoding(reply);
    const accepted = request.headers['accept-encoding'];
    // As the streaming compressor reads the header: `x-gzip` is gzip, `*` any.
    const encoding = accepted ? negotiator.negotiate(accepted.toLowerCase().replace(/\bx-gzip\b/g, 'gzip')) : null;
    if (encoding === null) return body;
    const compressed =
      encoding === 'br' ? await brotliAsync(body, options.brotli) : await gzipAsync(body, options.gzip);
    void reply.header('content-encoding', encoding).header('content-length', compressed.length);
    return compressed;
  });
}
