import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type {
  TonyPiBroadcastStop,
  TonyPiCommandResult,
  TonyPiCommandSent,
  TonyPiEmergencyStop,
  TonyPiManagementCommand,
  TonyPiRobotCommand,
  TonyPiScanTriggered,
} from '@fleet/contracts';
import { RobotRepository } from '@fleet/database';
import { MQTT_CONNECTION, type MqttConnection } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import { CommandsService } from '../commands/commands.service';
import type { Actor } from '../http/request-context';
import { commandResult, commandSent, robotCommandInput, scanTriggered } from './tonypi-commands.mapper';

/**
 * TonyPi's command and emergency-stop routes, given to Fleet's {@link CommandsService}: checked, stored, audited
 * and delivered (with acknowledgements, timeouts and retries) like any other command. Its 404, 409 and 422 answer
 * the dashboard as they are.
 */
@Injectable()
export class TonyPiCommands {
  constructor(
    @Inject(CommandsService) private readonly commands: CommandsService,
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(MQTT_CONNECTION) private readonly mqtt: MqttConnection,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `POST /management/command`. */
  async command(actor: Actor, input: TonyPiManagementCommand): Promise<TonyPiCommandResult> {
    const command = await this.commands.create(actor, {
      robot_ids: [input.robot_id],
      type: input.command,
      parameters: input.parameters ?? {},
    });
    return commandResult('Command sent successfully', command);
  }

  /** `POST /robot-data/command`: to the robot named, or to every robot online. */
  async robotCommand(actor: Actor, body: TonyPiRobotCommand): Promise<TonyPiCommandSent> {
    const { type, parameters } = robotCommandInput(body);
    const command = await this.commands.create(
      actor,
      body.robot_id ? { robot_ids: [body.robot_id], type, parameters } : { broadcast: true, type, parameters },
    );
    return commandSent(body, command);
  }

  /** `POST /management/robots/{id}/emergency-stop`: the robot id `broadcast`, or `broadcast: true`, stops all. */
  async emergencyStop(actor: Actor, robotId: string, input: TonyPiEmergencyStop): Promise<TonyPiCommandResult> {
    const all = robotId === 'broadcast' || input.broadcast === true;
    const command = await this.commands.emergencyStop(actor, all ? 'broadcast' : [robotId], input.reason);
    return commandResult(`Emergency stop sent to ${all ? 'all robots' : robotId}`, command);
  }

  /** `POST /management/emergency-stop/broadcast`. */
  async emergencyStopAll(actor: Actor, input: TonyPiBroadcastStop): Promise<TonyPiCommandResult> {
    const command = await this.commands.emergencyStop(actor, 'broadcast', input.reason);
    return commandResult('Emergency stop sent to all robots', command);
  }

  /** `POST /management/robots/{id}/resume`. */
  async resume(actor: Actor, robotId: string): Promise<TonyPiCommandResult> {
    const command = await this.commands.create(actor, { robot_ids: [robotId], type: 'resume', parameters: {} });
    return commandResult(`Resume command sent to ${robotId}`, command);
  }

  /**
   * `POST /robot-data/trigger-scan`: publishes a QR scan on `tonypi/scan/{id}` as if the registered robot had
   * made it, so the scan handling can be tried without a robot (TonyPi kept it as a test aid). Audited once the
   * broker took it; 503 when it did not.
   */
  async triggerScan(actor: Actor, robotId: string, qr: string): Promise<TonyPiScanTriggered> {
    await this.robots.get(robotId);
    const scan = scanTriggered(robotId, qr, this.clock.now());
    try {
      await this.mqtt.publishJson(scan.topic, scan.payload);
    } catch (error) {
      throw new ServiceUnavailableException(
        `the MQTT broker did not take the scan for ${scan.topic} (${(error as Error).message}); nothing was sent`,
        { cause: error },
      );
    }
    await this.audit.record(actor, 'robot.trigger_scan', 'robot', robotId, null, scan.payload);
    return scan;
  }
}
