import { NotImplementedException } from '@nestjs/common';

/** A TonyPi route Fleet answers with 501 for now, and what it waits for. */
export interface UnservedRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As the dashboard calls it, under `/tonypi`. */
  path: string;
  missing: string;
}

const REPORTS = 'the reports service (stored reports, generation, PDF and exports)';

/**
 * TonyPi routes that answer 501 until the services they need are part of Fleet. Everything else the dashboard
 * calls is served.
 */
export const NOT_YET_SERVED: readonly UnservedRoute[] = [
  { method: 'GET', path: '/tonypi/api/v1/reports', missing: REPORTS },
  { method: 'POST', path: '/tonypi/api/v1/reports', missing: REPORTS },
  { method: 'POST', path: '/tonypi/api/v1/reports/generate', missing: REPORTS },
  { method: 'GET', path: '/tonypi/api/v1/reports/export/csv', missing: REPORTS },
  { method: 'GET', path: '/tonypi/api/v1/reports/export/json', missing: REPORTS },
  { method: 'GET', path: '/tonypi/api/v1/reports/{report_id}', missing: REPORTS },
  { method: 'DELETE', path: '/tonypi/api/v1/reports/{report_id}', missing: REPORTS },
  { method: 'GET', path: '/tonypi/api/v1/reports/{report_id}/pdf', missing: REPORTS },
];

/** The 501 for one of {@link NOT_YET_SERVED}, naming what it waits for. */
export function notYetServed(method: UnservedRoute['method'], path: string): NotImplementedException {
  const route = NOT_YET_SERVED.find((r) => r.method === method && r.path === `/tonypi/api/v1/${path}`);
  if (!route) throw new Error(`${method} ${path} is not listed in NOT_YET_SERVED`);
  return new NotImplementedException(
    `${method} ${route.path} is not served yet: it needs ${route.missing}, which this Fleet build does not include`,
  );
}
