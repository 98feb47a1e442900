import { Writable } from 'node:stream';
import { withLogContext } from './log-context';
import { createLogger } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ service: 'ingest', instanceId: 'pod-1', level: 'info', format: 'json' }, stream);
  return { logger, lines };
}

describe('logger', () => {
  it('writes one JSON object per line with service, instance, level name and ISO time', () => {
    const { logger, lines } = capture();
    logger.info({ robotId: 'tonypi_01' }, 'robot registered');
    expect(lines[0]).toMatchObject({
      service: 'ingest',
      instance: 'pod-1',
      level: 'info',
      robotId: 'tonypi_01',
      msg: 'robot registered',
    });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('adds the request or message id of the work in progress, however deep', async () => {
    const { logger, lines } = capture();
    await withLogContext({ messageId: 'm-1', topic: 'tonypi/battery' }, async () => {
      await Promise.resolve();
      logger.warn('battery low');
      withLogContext({ requestId: 'r-1' }, () => logger.info('nested'));
    });
    logger.info('outside');
    expect(lines.map((l) => [l.msg, l.messageId, l.requestId])).toEqual([
      ['battery low', 'm-1', undefined],
      ['nested', 'm-1', 'r-1'],
      ['outside', undefined, undefined],
    ]);
  });

  it('never writes secrets', () => {
    const { logger, lines } = capture();
    logger.info(
      { password: 'hunter2', user: { password_hash: '$argon2id$x', token: 't' }, authorization: 'Bearer x' },
      'login',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2', '$argon2id$x', '"t"', 'Bearer x']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      user: { password_hash: '[redacted]', token: '[redacted]' },
    });
  });
});
