import { createLogger } from '@fleet/platform';
import { KickedRounds } from './kicked-rounds';
import { MemoryEventBus } from './memory-event-bus';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('rounds of work kicked by events and a timer', () => {
  const bus = new MemoryEventBus({
    maxLength: 1_000,
    logger: createLogger({ service: 'test', instanceId: 'test', level: 'silent', format: 'json' }),
  });
  afterAll(() => bus.close());

  it('runs one round at a time; kicks during a round ask for exactly one more; a full batch asks for another', async () => {
    let rounds = 0;
    let release!: () => void;
    let fullBatches = 1;
    const work = new KickedRounds(async () => {
      rounds += 1;
      if (rounds === 1) await new Promise<void>((resolve) => (release = resolve));
      return rounds === 2 && fullBatches-- > 0;
    });
    work.kick();
    await tick();
    work.kick();
    work.kick();
    expect(rounds).toBe(1);
    release();
    await work.idle();
    // The first, one for both kicks during it, and one more after its full batch.
    expect(rounds).toBe(3);
    await work.stop();
    work.kick();
    await work.idle();
    expect(rounds).toBe(3);
  });

  it('ends its rounds when one throws, until the next kick', async () => {
    let rounds = 0;
    const work = new KickedRounds(() => {
      rounds += 1;
      return rounds === 1 ? Promise.reject(new Error('store down')) : Promise.resolve(rounds < 3);
    });
    work.kick();
    await work.idle();
    expect(rounds).toBe(1);
    work.kick();
    await work.idle();
    expect(rounds).toBe(3);
    await work.stop();
  });

  it('starts a round when an event arrives on its stream, and one at start', async () => {
    let rounds = 0;
    const work = new KickedRounds(() => {
      rounds += 1;
      return Promise.resolve(false);
    });
    work.start({ bus, stream: 'requests', group: 'workers', instanceId: 'a', intervalMs: 60_000 });
    await work.idle();
    expect(rounds).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the group exists
    await bus.publish('requests', [{ report: 1 }]);
    for (let i = 0; i < 100 && rounds < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rounds).toBe(2);
    await work.stop();
  });
});
