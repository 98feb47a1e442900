import { describeBroker } from './mqtt-connection';
import { describeRedis } from './redis-connection';

describe('server descriptions', () => {
  it('never show credentials', () => {
    expect(describeBroker('mqtts://fleet:s3cret@broker.example:8883')).toBe('mqtts://broker.example:8883');
    expect(describeBroker('wss://u:p@broker.example/mqtt')).toBe('wss://broker.example/mqtt');
    expect(describeRedis('redis://:s3cret@cache.example:6379/2')).toBe('redis://cache.example:6379/2');
  });
});
