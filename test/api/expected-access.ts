import type { AccessRule } from '@fleet/platform';

/**
 * Who may call each route, stated here apart from the code: viewer reads; operator also acknowledges and resolves
 * alerts, sends commands, manages jobs and missions, generates reports; admin also manages users, robots,
 * credentials, thresholds and retention. A route added to the API without a line here fails the authorization test.
 */
export const EXPECTED_ACCESS: Record<string, AccessRule> = {
  'GET /health': 'public',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',

  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'viewer',
  'GET /api/v1/auth/me': 'viewer',
  'POST /api/v1/auth/password': 'viewer',

  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/users/:id': 'admin',
  'PATCH /api/v1/users/:id': 'admin',
  'DELETE /api/v1/users/:id': 'admin',
  'PUT /api/v1/users/:id/password': 'admin',

  'GET /api/v1/audit': 'admin',

  'GET /api/v1/robots': 'viewer',
  'POST /api/v1/robots': 'admin',
  'GET /api/v1/robots/:robotId': 'viewer',
  'PATCH /api/v1/robots/:robotId': 'admin',
  'DELETE /api/v1/robots/:robotId': 'admin',
  'GET /api/v1/robots/:robotId/state': 'viewer',
  'GET /api/v1/robots/:robotId/telemetry': 'viewer',
  'GET /api/v1/robots/:robotId/connections': 'viewer',
  'GET /api/v1/robots/:robotId/snapshots': 'viewer',
  'GET /api/v1/robots/:robotId/credentials': 'admin',
  'POST /api/v1/robots/:robotId/credentials': 'admin',
  'DELETE /api/v1/robots/:robotId/credentials': 'admin',
  'GET /api/v1/fleet/summary': 'viewer',

  'GET /api/v1/alerts': 'viewer',
  'GET /api/v1/alerts/stats': 'viewer',
  'GET /api/v1/alerts/:id': 'viewer',
  'POST /api/v1/alerts/:id/acknowledge': 'operator',
  'POST /api/v1/alerts/acknowledge-all': 'operator',
  'POST /api/v1/alerts/:id/resolve': 'operator',
  'GET /api/v1/alerts/snoozes': 'viewer',
  'POST /api/v1/alerts/snoozes': 'operator',
  'DELETE /api/v1/alerts/snoozes/:id': 'operator',
  'GET /api/v1/alerts/webhooks': 'admin',
  'POST /api/v1/alerts/webhooks': 'admin',
  'DELETE /api/v1/alerts/webhooks/:id': 'admin',
  'POST /api/v1/alerts/webhooks/:id/test': 'admin',
  'GET /api/v1/thresholds': 'viewer',
  'GET /api/v1/thresholds/defaults': 'viewer',
  'PUT /api/v1/thresholds': 'admin',
  'PATCH /api/v1/thresholds/:id': 'admin',
  'DELETE /api/v1/thresholds/:id': 'admin',

  'GET /api/v1/logs': 'viewer',
  'GET /api/v1/logs/stats': 'viewer',
  'GET /api/v1/logs/export': 'viewer',
  'DELETE /api/v1/logs': 'admin',
  'GET /api/v1/dead-letters': 'viewer',
  'GET /api/v1/dead-letters/reasons': 'viewer',
};
