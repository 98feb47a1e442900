import { NOT_YET_SERVED, notYetServed } from './not-yet-served';

describe('routes not served yet', () => {
  it('answer 501 naming the route and what it waits for', () => {
    const error = notYetServed('POST', 'reports/generate');
    expect(error.getStatus()).toBe(501);
    expect(error.message).toMatch(/^POST \/tonypi\/api\/v1\/reports\/generate is not served yet: it needs the reports/);
  });

  it('are all listed, once each', () => {
    const keys = NOT_YET_SERVED.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(() => notYetServed('GET', 'robot-data/status')).toThrow('not listed');
    expect(() => notYetServed('POST', 'management/command')).toThrow('not listed');
  });
});
