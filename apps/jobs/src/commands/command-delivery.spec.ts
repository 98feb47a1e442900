import { commandTopic, nextStep, outboundMessage, type DeliveryState } from './command-delivery';
import { stopStatus } from './command-answers';

const now = new Date('2026-12-02T10:00:00.000Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const state = (fields: Partial<DeliveryState>): DeliveryState => ({
  status: 'pending',
  attempts: 1,
  deadline_at: ago(1),
  timeout_s: 10,
  retries: 1,
  reachable: true,
  ...fields,
});

describe('what the delivery loop does with a target robot', () => {
  it('sends a command not sent yet, with the answer due after the timeout', () => {
    expect(nextStep(state({ attempts: 0, retries: 0, deadline_at: now }), now)).toEqual({
      kind: 'send',
      deadlineAt: new Date(now.getTime() + 10_000),
    });
  });

  it('waits while the answer is not due yet', () => {
    expect(nextStep(state({ deadline_at: new Date(now.getTime() + 1) }), now)).toEqual({ kind: 'wait' });
  });

  it('resends an unanswered command while retries are left, then gives up naming the attempts', () => {
    expect(nextStep(state({ attempts: 1, retries: 1 }), now).kind).toBe('send');
    expect(nextStep(state({ attempts: 2, retries: 1 }), now)).toEqual({
      kind: 'time_out',
      message: 'no answer within 10 s after 2 attempt(s)',
    });
    expect(nextStep(state({ attempts: 1, retries: 0 }), now).kind).toBe('time_out');
  });

  it('holds a command for an offline robot until it is online, or until it waited too long', () => {
    const waiting = { status: 'waiting' as const, attempts: 0 };
    expect(nextStep(state({ ...waiting, reachable: false, deadline_at: new Date(now.getTime() + 5) }), now)).toEqual({
      kind: 'wait',
    });
    expect(nextStep(state({ ...waiting, reachable: true, deadline_at: new Date(now.getTime() + 5) }), now).kind).toBe(
      'send',
    );
    expect(nextStep(state({ ...waiting, reachable: false }), now)).toEqual({
      kind: 'time_out',
      message: 'robot stayed offline; the command was never sent',
    });
  });

  it('leaves answered results alone', () => {
    for (const status of ['ack_success', 'ack_error', 'timed_out', 'cancelled'] as const) {
      expect(nextStep(state({ status }), now)).toEqual({ kind: 'wait' });
    }
  });
});

describe('where commands go and what robots receive', () => {
  it('commands on tonypi/commands, emergency stops on tonypi/emergency_stop, for one robot or all', () => {
    expect(commandTopic('move', 'tonypi_01')).toBe('tonypi/commands/tonypi_01');
    expect(commandTopic('move', 'broadcast')).toBe('tonypi/commands/broadcast');
    expect(commandTopic('emergency_stop', 'tonypi_01')).toBe('tonypi/emergency_stop/tonypi_01');
    expect(commandTopic('emergency_stop', 'broadcast')).toBe('tonypi/emergency_stop/broadcast');
    expect(commandTopic('resume', 'tonypi_01')).toBe('tonypi/commands/tonypi_01');
  });

  it('the message is {type, id, ...parameters, timestamp}', () => {
    const id = '5f0c6a8e-2a4b-4c1e-9a57-3c1f0e8d2b11';
    expect(outboundMessage({ id, type: 'move', parameters: { direction: 'left', distance: 2 } }, now)).toEqual({
      type: 'move',
      id,
      direction: 'left',
      distance: 2,
      timestamp: now.toISOString(),
    });
    expect(outboundMessage({ id, type: 'emergency_stop', parameters: { reason: 'stop' } }, now)).toEqual({
      type: 'emergency_stop',
      reason: 'stop',
      id,
      timestamp: now.toISOString(),
    });
  });
});

describe('the robot status an answer implies', () => {
  it('an acknowledged emergency stop stops the robot; an acknowledged resume brings it back online', () => {
    expect(stopStatus({ success: true, type: 'emergency_stop' })).toBe('emergency_stopped');
    expect(stopStatus({ success: true, state: { emergency_stopped: true } })).toBe('emergency_stopped');
    expect(stopStatus({ success: true, type: 'resume', state: { emergency_stopped: false } })).toBe('online');
  });

  it('a refused stop or resume and ordinary answers change nothing', () => {
    expect(stopStatus({ success: false, type: 'emergency_stop' })).toBeUndefined();
    expect(stopStatus({ success: false, type: 'resume' })).toBeUndefined();
    expect(stopStatus({ success: true, type: null })).toBeUndefined();
  });
});
