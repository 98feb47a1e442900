import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import {
  configTopic,
  InvalidInputError,
  type RobotConfigMessage,
  type FieldIssue,
  type RobotConfigUpdate,
  type RobotCreate,
  type RobotListQuery,
  type RobotState,
  type RobotUpdate,
} from '@fleet/contracts';
import { RobotRepository, type Robot, type RobotFields } from '@fleet/database';
import { LIVE_STATE, MQTT_CONNECTION, robotIdProblem, type LiveState, type MqttConnection } from '@fleet/messaging';
import { CLOCK, type Clock } from '@fleet/platform';
import { AuditService } from '../audit/audit.service';
import { auditedBy, type Actor } from '../http/request-context';
import { robotStateView } from './robot-state';

/**
 * The registry of robots, managed by admins. Deleting a robot deactivates it: it leaves lists and live counts,
 * cannot log in to the broker, and its history (jobs, alerts, telemetry) keeps its id.
 */
@Injectable()
export class RobotsService {
  constructor(
    @Inject(RobotRepository) private readonly robots: RobotRepository,
    @Inject(LIVE_STATE) private readonly live: LiveState,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(MQTT_CONNECTION) private readonly mqtt: MqttConnection,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  list(query: RobotListQuery) {
    return this.robots.list({
      status: query.status,
      search: query.search || undefined,
      deviceType: query.device_type,
      includeInactive: query.include_inactive,
      limit: query.limit,
      offset: query.offset,
    });
  }

  get(robotId: string) {
    return this.robots.get(robotId);
  }

  /** The robot's newest live values; 404 for a robot the registry does not know. */
  async state(robotId: string): Promise<RobotState> {
    const [robot, live] = await Promise.all([this.robots.get(robotId), this.live.get(robotId)]);
    return robotStateView(robot, live);
  }

  async create(actor: Actor, input: RobotCreate) {
    const { robot_id: robotId, ...fields } = input;
    // The id becomes MQTT topics and the robot's broker username: reserved names would reach other robots' topics.
    const problem = robotIdProblem(robotId);
    if (problem) {
      throw new InvalidInputError(`robot_id cannot be '${robotId}': ${problem}`, [
        { path: 'robot_id', message: problem },
      ]);
    }
    checkThresholds(fields, TONYPI_THRESHOLDS);
    const robot = await this.robots.create(robotId, fields);
    await this.audit.record(actor, 'robot.create', 'robot', robotId, null, robot);
    return robot;
  }

  async update(actor: Actor, robotId: string, changes: RobotUpdate) {
    const before = await this.robots.get(robotId);
    checkThresholds(changes, before);
    const after = await this.robots.update(robotId, changes);
    await this.audit.record(actor, 'robot.update', 'robot', robotId, before, after);
    return after;
  }

  /**
   * Replaces one section of the robot's settings, records the change, and sends the section to the robot on
   * `tonypi/config/{id}`. The settings are saved even when the broker cannot take the message in time (503).
   */
  async updateConfig(actor: Actor, robotId: string, input: RobotConfigUpdate) {
    const after = await this.robots.setSetting(robotId, input.config_type, input.config_data, {
      ...auditedBy(actor),
      action: 'robot.config_update',
    });
    const message: RobotConfigMessage = {
      config_type: input.config_type,
      config_data: input.config_data,
      timestamp: this.clock.now().toISOString(),
    };
    try {
      await this.mqtt.publishJson(configTopic(robotId), message);
    } catch (error) {
      throw new ServiceUnavailableException(
        `configuration saved, but the MQTT broker did not take it for the robot (${(error as Error).message}); ` +
          'send it again when the broker is back',
        { cause: error },
      );
    }
    return after;
  }

  /** Deactivates the robot; deleting one already deleted changes nothing. */
  async remove(actor: Actor, robotId: string): Promise<void> {
    const before = await this.robots.get(robotId);
    if (!before.is_active) return;
    const after = await this.robots.deactivate(robotId);
    await this.live.remove(robotId);
    await this.audit.record(actor, 'robot.delete', 'robot', robotId, before, after);
  }
}

type Thresholds = Pick<
  Robot,
  'battery_threshold_low' | 'battery_threshold_critical' | 'temp_threshold_warning' | 'temp_threshold_critical'
>;

/** The `robots` table's defaults (TonyPi's), which a new robot gets for the thresholds it does not set. */
const TONYPI_THRESHOLDS: Thresholds = {
  battery_threshold_low: 20,
  battery_threshold_critical: 10,
  temp_threshold_warning: 70,
  temp_threshold_critical: 80,
};

/** A critical level must be at least as bad as the warning level: lower for battery, higher for temperature. */
function checkThresholds(changes: RobotFields, current: Thresholds): void {
  const value = <K extends keyof Thresholds>(key: K) => changes[key] ?? current[key];
  const issues: FieldIssue[] = [];
  const batteryLow = value('battery_threshold_low');
  const batteryCritical = value('battery_threshold_critical');
  if (batteryCritical > batteryLow) {
    issues.push({
      path: 'battery_threshold_critical',
      message: `must not be above battery_threshold_low (${batteryLow})`,
    });
  }
  const tempWarning = value('temp_threshold_warning');
  const tempCritical = value('temp_threshold_critical');
  if (tempCritical < tempWarning) {
    issues.push({
      path: 'temp_threshold_critical',
      message: `must not be below temp_threshold_warning (${tempWarning})`,
    });
  }
  if (issues.length > 0) {
    throw new InvalidInputError(
      `invalid thresholds: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      issues,
    );
  }
}
