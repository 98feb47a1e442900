import pino from 'pino';
import { Resources } from './resources';

const silent = pino({ level: 'silent' });

describe('Resources', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('closes newest first and keeps going after a failure', async () => {
    const closed: string[] = [];
    const resources = new Resources();
    resources.add('database', () => Promise.resolve(void closed.push('database')));
    resources.add('broker', () => Promise.reject(new Error('stuck')));
    resources.add('client', () => Promise.resolve(void closed.push('client')));
    await resources.closeAll(silent);
    expect(closed).toEqual(['client', 'database']);
  });

  it('moves on from a resource that does not close within 5 s', async () => {
    jest.useFakeTimers();
    const closed: string[] = [];
    const resources = new Resources();
    resources.add('database', () => Promise.resolve(void closed.push('database')));
    resources.add('mqtt', () => new Promise<void>(() => undefined));
    const closing = resources.closeAll(silent);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(closed).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await closing;
    expect(closed).toEqual(['database']);
  });

  it('stops synchronously what can be, newest first, for a process that must exit now', () => {
    const stopped: string[] = [];
    const resources = new Resources();
    resources.add(
      'database',
      () => Promise.resolve(),
      () => void stopped.push('database'),
    );
    resources.add('mqtt', () => Promise.resolve());
    resources.add(
      'broker',
      () => Promise.resolve(),
      () => {
        throw new Error('already gone');
      },
    );
    resources.closeAllNow(silent);
    expect(stopped).toEqual(['database']);
  });
});
