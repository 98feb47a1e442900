import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl } from '../support/servers';

const missing = API_SERVERS.filter((v) => !serverUrl(v));

const DASHBOARD = 'http://dashboard.example:3001';
const METRICS_TOKEN = 'a-metrics-token-for-prometheus';

/** This host's address on a network interface: a request to it does not come from loopback. */
function externalAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
  if (!address) throw new Error('this test needs a network interface with an IPv4 address besides loopback');
  return address;
}

/** A GET as the bytes came over the wire, not decompressed, with the answer's headers. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

if (missing.length > 0) {
  reportMissingServer(missing[0], 'API HTTP headers');
} else {
  describe('the API over HTTP: security headers, CORS and /metrics', () => {
    let factory: DatabaseFactory;

    beforeAll(() => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
    });
    afterAll(async () => {
      await factory.dispose();
    });

    describe('with the defaults and a dashboard origin allowed', () => {
      let api: TestApi;

      beforeAll(async () => {
        api = await startApi(factory, { CORS_ORIGINS: DASHBOARD, HOST: '0.0.0.0' });
      });
      afterAll(async () => {
        await api?.close();
      });

      it('an API route carries the security headers, with a script policy that allows no inline code', async () => {
        const response = await api.call('GET', '/api/v1/auth/me', { token: await api.tokenFor('viewer') });
        expect(response.status).toBe(200);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      });

      it('compresses large answers for clients that accept it, and leaves small ones as they are', async () => {
        const document = '/api/docs/openapi.json';
        const plain = await api.call('GET', document, { headers: { 'accept-encoding': 'identity' } });
        expect(plain.status).toBe(200);
        expect(plain.headers.get('content-encoding')).toBeNull();
        expect(JSON.stringify(plain.body).length).toBeGreaterThan(32 * 1024);
        for (const [accepted, used] of [
          ['br, gzip', 'br'],
          ['gzip', 'gzip'],
        ]) {
          const compressed = await api.call('GET', document, { headers: { 'accept-encoding': accepted } });
          expect([accepted, compressed.status, compressed.headers.get('content-encoding')]).toEqual([
            accepted,
            200,
            used,
          ]);
          expect(compressed.body).toEqual(plain.body);
        }
        const small = await api.call('GET', '/api/v1/auth/me', {
          token: await api.tokenFor('viewer'),
          headers: { 'accept-encoding': 'br, gzip' },
        });
        expect(small.status).toBe(200);
        expect(small.headers.get('content-encoding')).toBeNull();
      });

      it('sends an answer whole in memory compressed in one piece, with its length, as the client prefers', async () => {
        const url = `${api.app.url}/api/docs/openapi.json`;
        const plain = await rawGet(url, { 'accept-encoding': 'identity' });
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(plain.headers.vary).toContain('accept-encoding');
        for (const [accepted, used, decompress] of [
          ['gzip, deflate, br', 'br', brotliDecompressSync],
          ['gzip;q=1, br;q=0.5', 'gzip', gunzipSync],
          ['x-gzip', 'gzip', gunzipSync],
          ['*', 'br', brotliDecompressSync],
        ] as const) {
          const answer = await rawGet(url, { 'accept-encoding': accepted });
          expect([accepted, answer.status, answer.headers['content-encoding']]).toEqual([accepted, 200, used]);
          expect(answer.headers['content-length']).toBe(String(answer.bytes.length));
          expect(answer.headers['transfer-encoding']).toBeUndefined();
          expect(answer.headers.vary).toContain('accept-encoding');
          expect(answer.bytes.length).toBeLessThan(plain.bytes.length / 3);
          expect(decompress(answer.bytes).equals(plain.bytes)).toBe(true);
        }
        for (const refused of <Record<string, string>[]>[
          { 'accept-encoding': 'deflate' },
          { 'accept-encoding': 'br, gzip', 'x-no-compression': '1' },
        ]) {
          const answer = await rawGet(url, refused);
          expect(answer.headers['content-encoding']).toBeUndefined();
          expect(answer.bytes.equals(plain.bytes)).toBe(true);
        }
      });

      it('only Swagger UI may run its inline bootstrap script', async () => {
        for (const path of ['/api/docs', '/api/docs/']) {
          const docs = await api.call('GET', path);
          expect([path, docs.status]).toEqual([path, 200]);
          expect(docs.headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
        }
        const health = await api.call('GET', '/health');
        expect(health.headers.get('content-security-policy')).not.toContain('unsafe-inline');
        const lookalike = await api.call('GET', '/api/docsx');
        expect(lookalike.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      });

      it('a browser on an allowed origin may call the API; another origin gets no CORS permission', async () => {
        const preflight = (origin: string) =>
          api.call('OPTIONS', '/api/v1/auth/login', {
            headers: {
              origin,
              'access-control-request-method': 'POST',
              'access-control-request-headers': 'content-type,authorization',
            },
          });
        const allowed = await preflight(DASHBOARD);
        expect(allowed.status).toBe(204);
        expect(allowed.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
        expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
        expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');

        const denied = await preflight('http://evil.example');
        expect(denied.headers.get('access-control-allow-origin')).toBeNull();

        const call = await api.call('GET', '/health', { headers: { origin: DASHBOARD } });
        expect(call.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
        expect(call.headers.get('access-control-expose-headers')).toContain('x-request-id');
        const other = await api.call('GET', '/health', { headers: { origin: 'http://evil.example' } });
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
      });

      it('without METRICS_TOKEN, /metrics answers this host only, and not through a proxy', async () => {
        const local = await api.call('GET', '/metrics');
        expect(local.status).toBe(200);
        expect(String(local.body)).toContain('http_request_duration_seconds');

        const proxied = await api.call('GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
        expect(proxied.status).toBe(403);
        expect(proxied.body.message).toMatch(/METRICS_TOKEN/);

        const port = new URL(api.app.url).port;
        const remote = await fetch(`http://${externalAddress()}:${port}/metrics`);
        expect(remote.status).toBe(403);
        expect(((await remote.json()) as { message: string }).message).toMatch(/METRICS_TOKEN/);
      });
    });

    describe('with METRICS_TOKEN set and HSTS off', () => {
      let api: TestApi;

      beforeAll(async () => {
        api = await startApi(factory, { METRICS_TOKEN, SECURITY_HSTS: 'false' });
      });
      afterAll(async () => {
        await api?.close();
      });

      it('/metrics needs the token, even from this host, and a user token will not do', async () => {
        expect((await api.call('GET', '/metrics')).status).toBe(401);
        expect((await api.call('GET', '/metrics', { token: 'a-metrics-token-for-prometheuS' })).status).toBe(401);
        expect((await api.call('GET', '/metrics', { token: await api.tokenFor('admin') })).status).toBe(401);
        const scraped = await api.call('GET', '/metrics', { token: METRICS_TOKEN });
        expect(scraped.status).toBe(200);
        expect(String(scraped.body)).toContain('process_cpu');
      });

      it('sends no Strict-Transport-Security header', async () => {
        const response = await api.call('GET', '/health');
        expect(response.headers.get('strict-transport-security')).toBeNull();
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      });
    });
  });
}
