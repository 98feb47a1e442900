import pino from 'pino';
import { Resources } from './resources';

describe('Resources', () => {
  it('closes newest first and keeps going after a failure', async () => {
    const closed: string[] = [];
    const resources = new Resources();
    resources.add('database', () => Promise.resolve(void closed.push('database')));
    resources.add('broker', () => Promise.reject(new Error('stuck')));
    resources.add('client', () => Promise.resolve(void closed.push('client')));
    await resources.closeAll(pino({ level: 'silent' }));
    expect(closed).toEqual(['client', 'database']);
    await resources.closeAll(pino({ level: 'silent' }));
    expect(closed).toEqual(['client', 'database']);
  });
});
