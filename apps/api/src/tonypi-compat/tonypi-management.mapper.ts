import type { TonyPiHealth, TonyPiManagedRobot, TonyPiRobotConfig, TonyPiSystemStatus } from '@fleet/contracts';
import type { Robot } from '@fleet/database';
import type { RobotLiveState } from '@fleet/messaging';

/** Whether one dependency of the process answered its health check. */
export interface DependencyState {
  name: string;
  up: boolean;
}

/** TonyPi's names for Fleet's health checks, where it has one; two checks may share a name. */
const SERVICE_NAMES: Readonly<Record<string, string>> = {
  database: 'postgres',
  mqtt: 'mqtt_broker',
  mqtt_broker: 'mqtt_broker',
};

/** `GET /health`: every dependency of the process, by Fleet's name, and the API itself. */
export function healthView(dependencies: readonly DependencyState[], now: Date): TonyPiHealth {
  const down = dependencies.filter((d) => !d.up).map((d) => d.name);
  return {
    status: down.length === 0 ? 'healthy' : 'unhealthy',
    message: down.length === 0 ? 'Fleet is running' : `Fleet is running; not answering: ${down.join(', ')}`,
    timestamp: now.toISOString(),
    services: {
      api: 'healthy',
      ...Object.fromEntries(dependencies.map((d) => [d.name, d.up ? ('healthy' as const) : ('unhealthy' as const)])),
    },
  };
}

/** Seconds as TonyPi wrote its uptime: `2 days, 14 hours`, `3 hours, 5 minutes`, `42 minutes`. */
export function formatUptime(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const total = Math.max(0, Math.floor(seconds));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  if (days > 0) return `${plural(days, 'day')}, ${plural(hours, 'hour')}`;
  if (hours > 0) return `${plural(hours, 'hour')}, ${plural(minutes, 'minute')}`;
  return plural(minutes, 'minute');
}

export interface SystemFacts {
  uptimeS: number;
  activeRobots: number;
  dependencies: readonly DependencyState[];
  usage: TonyPiSystemStatus['resource_usage'];
  /** Commands created since midnight UTC. */
  commandsToday: number;
}

/**
 * `GET /management/system/status`. A service is `"running"` exactly when its checks pass (the dashboard shows
 * green for that value only).
 */
export function systemStatus(facts: SystemFacts): TonyPiSystemStatus {
  const services: Record<string, 'running' | 'down'> = {};
  for (const { name, up } of facts.dependencies) {
    const key = SERVICE_NAMES[name] ?? name;
    services[key] = up && services[key] !== 'down' ? 'running' : 'down';
  }
  return {
    system_uptime: formatUptime(facts.uptimeS),
    active_robots: facts.activeRobots,
    total_commands_today: facts.commandsToday,
    system_health: facts.dependencies.every((d) => d.up) ? 'healthy' : 'degraded',
    services,
    resource_usage: facts.usage,
  };
}

/** Midnight UTC of the day `now` falls in. */
export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

const batteryOf = (live: RobotLiveState | null): number | null => {
  const value = live?.entries.battery_status?.fields.percentage;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/** `GET /management/robots`: a registered robot with its live status and battery. */
export function managedRobot(robot: Robot, live: RobotLiveState | null): TonyPiManagedRobot {
  const registered = robot.last_seen?.toISOString() ?? null;
  const heard = live?.lastSeen ?? null;
  const capabilities = robot.settings?.capabilities;
  return {
    robot_id: robot.robot_id,
    name: robot.name ?? robot.robot_id,
    type: robot.device_type,
    status: live?.status ?? robot.status,
    last_seen: heard !== null && (registered === null || heard > registered) ? heard : registered,
    capabilities: Array.isArray(capabilities) ? capabilities.filter((c): c is string => typeof c === 'string') : [],
    battery_level: batteryOf(live),
  };
}

/** `GET /management/robots/{id}/config`: the robot's settings, one key per section. */
export function robotConfig(robotId: string, settings: Readonly<Record<string, unknown>> | null): TonyPiRobotConfig {
  return { ...settings, robot_id: robotId };
}
