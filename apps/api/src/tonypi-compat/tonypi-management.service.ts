import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import {
  MAX_PAGE_SIZE,
  type TonyPiConfigUpdate,
  type TonyPiHealth,
  type TonyPiManagedRobot,
  type TonyPiRobotConfig,
  type TonyPiSystemStatus,
} from '@fleet/contracts';
import { CommandRepository, RobotRepository, type Robot } from '@fleet/database';
import { LIVE_STATE, MQTT_CONNECTION, type LiveState, type MqttConnection } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../http/request-context';
import { TonyPiHealthProbe } from './tonypi-health.probe';
import {
  configMessage,
  healthView,
  managedRobot,
  robotConfig,
  startOfUtcDay,
  systemStatus,
  withConfigSection,
} from './tonypi-management.mapper';

/** TonyPi's `/health` and `/management` routes: robots and their settings, and how the system is doing. */
@Injectable()
export class TonyPiManagement {
  constructor(
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(CommandRepository) private readonly commands: CommandRepository,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(MQTT_CONNECTION) private readonly mqtt: MqttConnection,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(TonyPiHealthProbe) private readonly probe: TonyPiHealthProbe,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async health(): Promise<TonyPiHealth> {
    return healthView(await this.probe.dependencies(), this.clock.now());
  }

  async systemStatus(): Promise<TonyPiSystemStatus> {
    const [dependencies, summary, usage, commandsToday] = await Promise.all([
      this.probe.dependencies(),
      this.live.summary(),
      this.probe.usage(this.config.dataDir),
      this.commands.countSince(startOfUtcDay(this.clock.now())),
    ]);
    return systemStatus({
      uptimeS: process.uptime(),
      activeRobots: summary.online,
      dependencies,
      usage,
      commandsToday,
    });
  }

  /** Every registered (active) robot with its live status and battery. */
  async robotList(): Promise<TonyPiManagedRobot[]> {
    const robots: Robot[] = [];
    for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
      const page = await this.robots.list({ limit: MAX_PAGE_SIZE, offset });
      robots.push(...page.items);
      if (page.items.length < MAX_PAGE_SIZE || robots.length >= page.total) break;
    }
    return Promise.all(robots.map(async (robot) => managedRobot(robot, await this.live.get(robot.robot_id))));
  }

  async robotConfig(robotId: string): Promise<TonyPiRobotConfig> {
    return robotConfig(robotId, (await this.robots.get(robotId)).settings);
  }

  /**
   * Replaces one section of the robot's settings, records the change, and sends the section to the robot on
   * `tonypi/config/{id}`. The settings are saved even when the broker cannot take the message in time (503).
   */
  async updateConfig(actor: Actor, robotId: string, input: TonyPiConfigUpdate): Promise<{ message: string }> {
    const before = await this.robots.get(robotId);
    const settings = withConfigSection(before.settings, input.config_type, input.config_data);
    const after = await this.robots.update(robotId, { settings });
    await this.audit.record(
      actor,
      'robot.config_update',
      'robot',
      robotId,
      { settings: before.settings },
      { settings: after.settings },
    );
    const message = configMessage(input.config_type, input.config_data, this.clock.now());
    await this.publish(`tonypi/config/${robotId}`, message);
    return { message: 'Configuration updated successfully' };
  }

  private async publish(topic: string, payload: unknown): Promise<void> {
    try {
      await this.mqtt.publishJson(topic, payload);
    } catch (error) {
      throw new ServiceUnavailableException(
        `configuration saved, but the MQTT broker did not take it for the robot (${(error as Error).message}); ` +
          'send it again when the broker is back',
        { cause: error },
      );
    }
  }
}
