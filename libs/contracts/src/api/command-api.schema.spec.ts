import {
  COMMAND_RESULT_STATUSES,
  commandCreateSchema,
  defaultRetries,
  robotCommandMessage,
  settledCommandStatus,
  type CommandResultStatus,
} from './command-api.schema';
import { InvalidInputError } from '../errors';

const counts = (given: Partial<Record<CommandResultStatus, number>>) =>
  ({ ...Object.fromEntries(COMMAND_RESULT_STATUSES.map((s) => [s, 0])), ...given }) as Record<
    CommandResultStatus,
    number
  >;

describe("a command's status from its targets' results", () => {
  it('stays sent while a target is pending or waiting', () => {
    expect(settledCommandStatus(counts({ ack_success: 1, pending: 1 }))).toBe('sent');
    expect(settledCommandStatus(counts({ waiting: 1 }))).toBe('sent');
  });

  it('is completed when all succeeded, partial when some did, failed when none did and some refused', () => {
    expect(settledCommandStatus(counts({ ack_success: 2 }))).toBe('completed');
    expect(settledCommandStatus(counts({ ack_success: 1, timed_out: 1 }))).toBe('partial');
    expect(settledCommandStatus(counts({ ack_success: 1, ack_error: 1 }))).toBe('partial');
    expect(settledCommandStatus(counts({ ack_error: 1, timed_out: 1 }))).toBe('failed');
  });

  it('is timed out when nobody answered, cancelled when cancelled before anybody did', () => {
    expect(settledCommandStatus(counts({ timed_out: 2 }))).toBe('timed_out');
    expect(settledCommandStatus(counts({ cancelled: 1, timed_out: 1 }))).toBe('cancelled');
  });

  it('a command without targets is completed', () => {
    expect(settledCommandStatus(counts({}))).toBe('completed');
  });
});

describe('a command request', () => {
  it('names robots or broadcasts, not both and not neither', () => {
    expect(commandCreateSchema.safeParse({ robot_ids: ['a'], type: 'stop' }).success).toBe(true);
    expect(commandCreateSchema.safeParse({ broadcast: true, type: 'stop' }).success).toBe(true);
    expect(commandCreateSchema.safeParse({ type: 'stop' }).success).toBe(false);
    expect(commandCreateSchema.safeParse({ robot_ids: ['a'], broadcast: true, type: 'stop' }).success).toBe(false);
    expect(commandCreateSchema.safeParse({ robot_ids: ['a', 'a'], type: 'stop' }).success).toBe(false);
  });

  it("a type's parameters are checked, the error naming the parameter", () => {
    const at = new Date('2026-12-02T10:00:00Z');
    expect(() => robotCommandMessage('move', 'c1', { direction: 'sideways' }, at)).toThrow(InvalidInputError);
    const speed = (() => {
      try {
        robotCommandMessage('move', 'c1', { direction: 'forward', speed: -1 }, at);
        return [];
      } catch (error) {
        return (error as InvalidInputError).issues.map((i) => i.path);
      }
    })();
    expect(speed).toEqual(['parameters.speed']);
    expect(() => robotCommandMessage('stop', 'c1', { extra: 1 }, at)).toThrow(/parameters: Unrecognized key: "extra"/);
  });

  it('only commands safe to receive twice are resent by default', () => {
    expect(defaultRetries('status_request', 2)).toBe(2);
    expect(defaultRetries('emergency_stop', 2)).toBe(2);
    expect(defaultRetries('move', 2)).toBe(0);
    expect(defaultRetries('shutdown', 2)).toBe(0);
  });
});
