import { constants as zlibConstants } from 'node:zlib';
import { Inject, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { HttpSetup } from '@fleet/platform';
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import { ApiErrorFilter } from './api-error.filter';
import { mountApiDocs } from './openapi';
import { compressWholeBodies } from './whole-body-compression';

/** What every response may load: only its own origin's scripts and styles; nothing may frame it. */
const STRICT_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Swagger UI's page needs its inline bootstrap script and styles; only its routes get them. */
const DOCS_CSP = { ...STRICT_CSP, scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"] };

const DOCS_PATH = '/api/docs';

/** `{ defaultSrc: ["'self'"] }` → `default-src 'self'`. */
function cspHeader(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
    .join('; ');
}

function isDocsRoute(url: string): boolean {
  return url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`) || url.startsWith(`${DOCS_PATH}?`);
}

/**
 * Answers of at least this many bytes are compressed for clients that accept it (brotli, else gzip): histories,
 * long pages and exports. Below it, a compressor per answer costs more CPU than the bytes it saves (even compressed
 * in one piece, 4 KB robot states lost 30% of their throughput and 27 KB alert pages 43%).
 */
const COMPRESS_FROM_BYTES = 32 * 1024;
/**
 * Brotli's fastest quality: on Fleet's JSON (columns of numbers, pages of rows) it compresses within a few percent
 * of quality 4 at under half the CPU.
 */
const BROTLI_QUALITY = 1;
/**
 * The compressor's output buffer: large enough for a compressed week of 1-minute buckets in one piece (zlib's 16 KB
 * default passes the answer back in several, each a round trip to zlib's thread).
 */
const COMPRESS_CHUNK_BYTES = 128 * 1024;

/**
 * Security headers, compression, CORS, the one error shape, and the OpenAPI document with Swagger UI at
 * `/api/docs`.
 */
@Module({ providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }] })
export class HttpModule {
  constructor(@Inject(HttpSetup) setup: HttpSetup, @Inject(FLEET_CONFIG) config: FleetConfig) {
    setup.add(async (app) => {
      await app.register(helmet, {
        contentSecurityPolicy: { useDefaults: false, directives: STRICT_CSP },
        hsts: config.api.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      });
      const brotliOptions = {
        params: { [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY },
        chunkSize: COMPRESS_CHUNK_BYTES,
      };
      const zlibOptions = { chunkSize: COMPRESS_CHUNK_BYTES };
      compressWholeBodies(app.getHttpAdapter().getInstance(), {
        thresholdBytes: COMPRESS_FROM_BYTES,
        brotli: brotliOptions,
        gzip: zlibOptions,
      });
      await app.register(compress, {
        encodings: ['br', 'gzip'],
        threshold: COMPRESS_FROM_BYTES,
        brotliOptions,
        zlibOptions,
      });
      if (config.api.docs) {
        const docsCsp = cspHeader(DOCS_CSP);
        app
          .getHttpAdapter()
          .getInstance()
          .addHook('onRequest', async (request, reply) => {
            if (isDocsRoute(request.url)) void reply.header('content-security-policy', docsCsp);
          });
      }
      const origins = config.api.corsOrigins;
      if (origins.length > 0) {
        app.enableCors({
          origin: origins.includes('*') ? true : origins,
          credentials: !origins.includes('*'),
          exposedHeaders: ['x-request-id', 'retry-after'],
        });
      }
      if (config.api.docs) mountApiDocs(app);
    });
  }
}
