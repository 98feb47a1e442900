import { HealthRegistry } from './health.registry';

describe('the health of work that runs over and over', () => {
  it('is up with its details, down from the first failure (saying since when and why) until the next success', async () => {
    const registry = new HealthRegistry();
    const health = registry.track('jobs', 'reading robot messages', { group: 'jobs' });
    const check = () => registry.all()[0].check();
    await expect(check()).resolves.toEqual({ group: 'jobs' });

    health.failed(new Error('connection refused'));
    health.failed(new Error('timeout'));
    await expect(check()).rejects.toThrow(/^reading robot messages failing since \d{4}-.*Z: connection refused$/);

    health.succeeded();
    await expect(check()).resolves.toEqual({ group: 'jobs' });
  });
});
