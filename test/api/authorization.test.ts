import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { AccessRule } from '@fleet/platform';
import { API_SERVERS, startApi, type TestApi } from '../support/api';
import { DatabaseFactory } from '../support/database';
import { reportMissingServer, serverUrl } from '../support/servers';
import { EXPECTED_ACCESS } from './expected-access';

/** Every route the API process serves, as `METHOD /path/:param`, read from the controllers Nest registered. */
function registeredRoutes(api: TestApi): string[] {
  const routes: string[] = [];
  const join = (...parts: string[]) =>
    `/${parts
      .map((p) => p.replace(/^\/+|\/+$/g, ''))
      .filter(Boolean)
      .join('/')}`;
  for (const module of api.app.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const bases = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (paths === undefined || method === undefined) continue;
        for (const base of bases)
          for (const path of [paths].flat()) routes.push(`${RequestMethod[method]} ${join(base, path)}`);
      }
    }
  }
  return [...new Set(routes)].sort();
}

const RANK: Record<Exclude<AccessRule, 'public'>, number> = { viewer: 1, operator: 2, admin: 3 };
const CALLERS = ['anonymous', 'viewer', 'operator', 'admin'] as const;
type Caller = (typeof CALLERS)[number];

/** What the guard must answer `caller` on a route whose rule is `rule`: refused (401/403) or let through. */
function expectedOutcome(rule: AccessRule, caller: Caller): 401 | 403 | 'through' {
  if (rule === 'public') return 'through';
  if (caller === 'anonymous') return 401;
  return RANK[caller] >= RANK[rule] ? 'through' : 403;
}

/** A concrete URL for a route pattern; ids that match nothing, so an allowed call ends in 404/422, never harm. */
function concrete(path: string): string {
  return path.replace(/:(\w+)/g, (_, name: string) =>
    /id$/i.test(name) ? '00000000-0000-4000-8000-000000000000' : `no-such-${name}`,
  );
}

const missing = API_SERVERS.filter((v) => !serverUrl(v));

if (missing.length > 0) {
  reportMissingServer(missing[0], 'API authorization');
} else {
  describe('who may call each API route', () => {
    let factory: DatabaseFactory;
    let api: TestApi;
    let routes: string[];
    const tokens = {} as Record<Exclude<Caller, 'anonymous'>, string>;

    beforeAll(async () => {
      factory = new DatabaseFactory({ name: 'postgres', adminUrl: serverUrl('DATABASE_URL') as string });
      api = await startApi(factory);
      routes = registeredRoutes(api);
      for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = await api.tokenFor(role);
    });
    afterAll(async () => {
      await api?.close();
      await factory.dispose();
    });

    it('every registered route has an expected rule here, and every rule here a route', () => {
      expect(routes.filter((route) => !(route in EXPECTED_ACCESS))).toEqual([]);
      expect(Object.keys(EXPECTED_ACCESS).filter((route) => !routes.includes(route))).toEqual([]);
    });

    it('the guard refuses with the one error shape, 401 and 403 told apart', async () => {
      const anonymous = await api.call('GET', '/api/v1/audit');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(anonymous.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.any(String),
        requestId: expect.any(String),
      });
      const viewer = await api.call('GET', '/api/v1/audit', { token: tokens.viewer });
      expect(viewer.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });

    it('serves Swagger UI and the OpenAPI document without a token', async () => {
      const ui = await api.call('GET', '/api/docs');
      expect(ui.status).toBe(200);
      expect(String(ui.body)).toContain('swagger');
      const doc = await api.call('GET', '/api/docs/openapi.json');
      expect(doc.body.paths['/api/v1/auth/login']).toBeDefined();
    });

    it('anonymous, viewer, operator and admin get what each route allows', async () => {
      const wrong: string[] = [];
      // Signing out ends the callers' logins, and with them their tokens: it is called last, in the last test.
      const signsOut = (route: string) => route.endsWith('/auth/logout');
      for (const route of [...routes.filter((r) => !signsOut(r)), ...routes.filter(signsOut)]) {
        const rule = EXPECTED_ACCESS[route];
        if (rule === undefined) continue;
        const [method, path] = route.split(' ') as [string, string];
        for (const caller of CALLERS) {
          const expected = expectedOutcome(rule, caller);
          const response = await api.call(method, concrete(path), {
            token: caller === 'anonymous' ? undefined : tokens[caller],
            body: ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined,
          });
          const through = response.status !== 401 && response.status !== 403;
          const ok = expected === 'through' ? through : response.status === expected;
          if (!ok) wrong.push(`${route} as ${caller}: expected ${expected}, got ${response.status}`);
          if (response.status === 500) wrong.push(`${route} as ${caller}: 500 ${JSON.stringify(response.body)}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  });
}
