import { Inject, Injectable } from '@nestjs/common';
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
import { LIVE_STATE, type LiveState } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';
import type { Actor } from '../http/request-context';
import { RobotsService } from '../robots/robots.service';
import { TonyPiHealthProbe } from './tonypi-health.probe';
import { healthView, managedRobot, robotConfig, startOfUtcDay, systemStatus } from './tonypi-management.mapper';

/** TonyPi's `/health` and `/management` routes: robots and their settings, and how the system is doing. */
@Injectable()
export class TonyPiManagement {
  constructor(
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(CommandRepository) private readonly commands: CommandRepository,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(RobotsService) private readonly robotService: RobotsService,
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

  /** Saves and sends one section of the robot's settings through Fleet's robot service. */
  async updateConfig(actor: Actor, robotId: string, input: TonyPiConfigUpdate): Promise<{ message: string }> {
    await this.robotService.updateConfig(actor, robotId, input);
    return { message: 'Configuration updated successfully' };
  }
}
