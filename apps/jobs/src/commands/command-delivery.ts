import { BROADCAST, ROBOT_OUTBOUND_TOPICS, robotCommandMessage, type CommandResultStatus } from '@fleet/contracts';

/** What the delivery loop does with one target robot's result now. */
export type DeliveryStep =
  { kind: 'send'; deadlineAt: Date } | { kind: 'time_out'; message: string } | { kind: 'wait' };

/** A target robot's result as the delivery loop sees it. */
export interface DeliveryState {
  status: CommandResultStatus;
  attempts: number;
  deadline_at: Date | null;
  timeout_s: number;
  retries: number;
  reachable: boolean;
}

/**
 * The next step for a result: a robot that is waiting gets the command once it is online, or times out when it
 * stayed offline past its deadline; a robot that did not answer by the deadline gets the command again while
 * attempts are left (one send plus `retries` resends), then times out.
 */
export function nextStep(state: DeliveryState, now: Date): DeliveryStep {
  const overdue = state.deadline_at !== null && state.deadline_at.getTime() <= now.getTime();
  const answerDue = new Date(now.getTime() + state.timeout_s * 1000);
  if (state.status === 'waiting') {
    if (state.reachable) return { kind: 'send', deadlineAt: answerDue };
    return overdue
      ? { kind: 'time_out', message: 'robot stayed offline; the command was never sent' }
      : { kind: 'wait' };
  }
  if (state.status !== 'pending' || !overdue) return { kind: 'wait' };
  if (state.attempts <= state.retries) return { kind: 'send', deadlineAt: answerDue };
  return {
    kind: 'time_out',
    message: `no answer within ${state.timeout_s} s after ${state.attempts} attempt(s)`,
  };
}

/** Where a command goes: the robot's own topic, or the broadcast one (`robotId` = `broadcast`); emergency stops have topics of their own. */
export function commandTopic(type: string, robotId: string): string {
  const stop = type === 'emergency_stop';
  if (robotId === BROADCAST) {
    return stop ? ROBOT_OUTBOUND_TOPICS.emergencyStopBroadcast : ROBOT_OUTBOUND_TOPICS.commandBroadcast;
  }
  return (stop ? ROBOT_OUTBOUND_TOPICS.emergencyStop : ROBOT_OUTBOUND_TOPICS.command).replace('{robotId}', robotId);
}

/** The message a robot receives: `{type, id, ...parameters, timestamp}`, the command's id echoed in the answer. */
export function outboundMessage(command: { id: string; type: string; parameters: Record<string, unknown> }, at: Date) {
  return robotCommandMessage(command.type, command.id, command.parameters, at);
}
