import { Watermark } from './ingest.heartbeat';

describe('the ingest watermark', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 24, 10, 0, s));

  it('is now while connected and nothing is waiting to be written', () => {
    expect(new Watermark().at(at(10), true, undefined)).toEqual(at(10));
  });

  it('stays at the oldest message of a batch that cannot be written yet', () => {
    const watermark = new Watermark();
    expect(watermark.at(at(10), true, at(3).getTime())).toEqual(at(3));
    expect(watermark.at(at(40), true, at(3).getTime())).toEqual(at(3));
    expect(watermark.at(at(41), true, undefined)).toEqual(at(41));
  });

  it('stays where the broker connection was first seen lost until it is back', () => {
    const watermark = new Watermark();
    expect(watermark.at(at(10), false, undefined)).toEqual(at(10));
    expect(watermark.at(at(20), false, undefined)).toEqual(at(10));
    expect(watermark.at(at(30), false, at(5).getTime())).toEqual(at(5));
    expect(watermark.at(at(40), true, undefined)).toEqual(at(40));
    expect(watermark.at(at(50), false, undefined)).toEqual(at(50));
  });
});
