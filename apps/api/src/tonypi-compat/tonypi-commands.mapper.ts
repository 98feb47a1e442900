import type {
  CommandView,
  TonyPiCommandResult,
  TonyPiCommandSent,
  TonyPiRobotCommand,
  TonyPiScanTriggered,
} from '@fleet/contracts';

/** Fields of a `POST /robot-data/command` body that are not the command's parameters. */
const ENVELOPE_FIELDS = new Set(['robot_id', 'type', 'command', 'id', 'timestamp']);

/** The command a `POST /robot-data/command` body names, and its parameters: every other field. */
export function robotCommandInput(body: TonyPiRobotCommand): { type: string; parameters: Record<string, unknown> } {
  const parameters = Object.fromEntries(Object.entries(body).filter(([key]) => !ENVELOPE_FIELDS.has(key)));
  // The schema refuses a body with neither; `type` wins only where both name the same command.
  return { type: (body.type ?? body.command) as string, parameters };
}

/** `POST /robot-data/command`: where TonyPi published the body, and the body echoed with Fleet's id for it. */
export function commandSent(body: TonyPiRobotCommand, command: CommandView): TonyPiCommandSent {
  return {
    success: true,
    message: 'Command sent to robot',
    topic: `tonypi/commands/${body.robot_id ?? 'broadcast'}`,
    command: { ...body, command_id: command.id },
  };
}

/** The answer of TonyPi's management command routes. */
export function commandResult(message: string, command: CommandView): TonyPiCommandResult {
  return { success: true, message, command_id: command.id };
}

/** `POST /robot-data/trigger-scan`: the scan TonyPi published on `tonypi/scan/{robot_id}`, as the robot would. */
export function scanTriggered(robotId: string, qr: string, now: Date): TonyPiScanTriggered {
  return {
    success: true,
    topic: `tonypi/scan/${robotId}`,
    payload: { robot_id: robotId, qr, timestamp: now.toISOString() },
  };
}
