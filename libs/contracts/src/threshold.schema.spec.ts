import { InvalidInputError } from './errors';
import { thresholdInputSchema } from './threshold.schema';
import { parseOrThrow } from './validation';

describe('threshold input', () => {
  it('fills defaults: global, above, enabled', () => {
    expect(thresholdInputSchema.parse({ metric_type: 'cpu', warning_threshold: 70, critical_threshold: 90 })).toEqual({
      robot_id: null,
      metric_type: 'cpu',
      warning_threshold: 70,
      critical_threshold: 90,
      direction: 'above',
      enabled: true,
    });
  });

  it.each([
    [{ warning_threshold: 70, critical_threshold: 90 }, true],
    [{ warning_threshold: 70, critical_threshold: 70 }, true],
    [{ warning_threshold: 90, critical_threshold: 70 }, false],
    [{ warning_threshold: 20, critical_threshold: 10, direction: 'below' }, true],
    [{ warning_threshold: 10, critical_threshold: 20, direction: 'below' }, false],
  ])('orders warning and critical by direction: %j → %s', (values, valid) => {
    expect(thresholdInputSchema.safeParse({ metric_type: 'm', ...values }).success).toBe(valid);
  });

  it.each([
    [{ metric_type: 'CPU', warning_threshold: 1, critical_threshold: 2 }, 'metric_type'],
    [{ metric_type: 'offline', warning_threshold: 1, critical_threshold: 2 }, 'metric_type'],
    [{ metric_type: 'cpu', warning_threshold: Number.NaN, critical_threshold: 2 }, 'warning_threshold'],
    [{ metric_type: 'cpu', warning_threshold: 1, critical_threshold: Infinity }, 'critical_threshold'],
    [{ metric_type: 'cpu', warning_threshold: '70', critical_threshold: 90 }, 'warning_threshold'],
    [{ metric_type: 'cpu', warning_threshold: 1, critical_threshold: 2, robot_id: 'bad id/+' }, 'robot_id'],
    [{ metric_type: 'cpu', warning_threshold: 1, critical_threshold: 2, direction: 'sideways' }, 'direction'],
  ])('rejects %j naming %s', (input, field) => {
    let error: unknown;
    try {
      parseOrThrow(thresholdInputSchema, input, 'threshold');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.path)).toEqual([field]);
    expect((error as InvalidInputError).message).toMatch(new RegExp(`^invalid threshold: ${field}: `));
  });
});
