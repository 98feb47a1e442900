import { isLoopback } from './metrics.controller';

describe('which addresses count as this host for /metrics', () => {
  it('takes 127.0.0.0/8 and ::1, also written as IPv4-mapped IPv6', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '::FFFF:127.0.0.2']) {
      expect([address, isLoopback(address)]).toEqual([address, true]);
    }
  });

  it('refuses every other address, and none at all', () => {
    for (const address of ['192.0.2.2', '10.0.0.1', '::ffff:192.0.2.2', 'fd00::2', '128.0.0.1', '::', undefined]) {
      expect([address, isLoopback(address)]).toEqual([address, false]);
    }
  });
});
