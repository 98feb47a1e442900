import { prefixTopic, unprefixTopic } from './topics';

describe('topic prefix', () => {
  it('leaves topics alone without a prefix', () => {
    expect(prefixTopic('', 'tonypi/sensors/tonypi_01')).toBe('tonypi/sensors/tonypi_01');
    expect(unprefixTopic('', 'tonypi/battery')).toBe('tonypi/battery');
  });

  it('puts the prefix in front of the topic', () => {
    expect(prefixTopic('site-a', 'tonypi/battery')).toBe('site-a/tonypi/battery');
    expect(prefixTopic('site-a/line-2', 'tonypi/#')).toBe('site-a/line-2/tonypi/#');
  });

  it('keeps a shared-subscription group in front of the prefix', () => {
    expect(prefixTopic('site-a', '$share/ingest/tonypi/#')).toBe('$share/ingest/site-a/tonypi/#');
  });

  it('strips the prefix from received topics and rejects foreign ones', () => {
    expect(unprefixTopic('site-a', 'site-a/tonypi/status/r1')).toBe('tonypi/status/r1');
    expect(unprefixTopic('site-a', 'site-b/tonypi/status/r1')).toBeUndefined();
    expect(unprefixTopic('site-a', 'site-ab/tonypi/status/r1')).toBeUndefined();
  });
});
