import { Coalescer } from './live.coalescer';

describe('holding live updates to a rate', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the first update at once, then only the latest of a burst when the interval ends', () => {
    const sent: number[] = [];
    const coalescer = new Coalescer<number>(200, (n) => sent.push(n));
    for (let n = 1; n <= 50; n++) coalescer.offer('battery', n);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(200);
    expect(sent).toEqual([1, 50]);
    jest.advanceTimersByTime(200);
    expect(sent).toEqual([1, 50]);
    expect(coalescer.size).toBe(0);
  });

  it('keeps at most one update per interval for a burst spread over a second, and ends with the latest', () => {
    const sent: number[] = [];
    const coalescer = new Coalescer<number>(200, (n) => sent.push(n));
    for (let n = 1; n <= 50; n++) {
      coalescer.offer('battery', n);
      jest.advanceTimersByTime(20);
    }
    jest.advanceTimersByTime(1_000);
    expect(sent.length).toBeLessThanOrEqual(6);
    expect(sent.at(-1)).toBe(50);
  });

  it('holds each key on its own', () => {
    const sent: string[] = [];
    const coalescer = new Coalescer<string>(200, (s) => sent.push(s));
    coalescer.offer('a', 'a1');
    coalescer.offer('b', 'b1');
    coalescer.offer('a', 'a2');
    expect(sent).toEqual(['a1', 'b1']);
    jest.advanceTimersByTime(200);
    expect(sent).toEqual(['a1', 'b1', 'a2']);
  });

  it('drops what waits when asked, and sends the next item at the end of the interval as usual', () => {
    const sent: string[] = [];
    const coalescer = new Coalescer<string>(200, (s) => sent.push(s));
    coalescer.offer('a', 'a1');
    coalescer.offer('b', 'b1');
    coalescer.offer('a', 'a2');
    coalescer.offer('b', 'b2');
    coalescer.dropPending((s) => s.startsWith('a'));
    jest.advanceTimersByTime(200);
    expect(sent).toEqual(['a1', 'b1', 'b2']);
    coalescer.offer('a', 'a3');
    expect(sent).toEqual(['a1', 'b1', 'b2', 'a3']);
  });

  it('sends nothing more once stopped, also when stopped while delivering', () => {
    const sent: number[] = [];
    const coalescer: Coalescer<number> = new Coalescer<number>(200, (n) => {
      sent.push(n);
      if (n === 2) coalescer.stop();
    });
    coalescer.offer('k', 1);
    coalescer.offer('k', 2);
    jest.advanceTimersByTime(200);
    coalescer.offer('k', 3);
    jest.advanceTimersByTime(1_000);
    expect(sent).toEqual([1, 2]);
    expect(coalescer.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
