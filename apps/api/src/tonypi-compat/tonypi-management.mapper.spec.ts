import { tonypiHealthSchema, tonypiManagedRobotSchema, tonypiSystemStatusSchema } from '@fleet/contracts';
import type { Robot } from '@fleet/database';
import {
  formatUptime,
  healthView,
  managedRobot,
  robotConfig,
  startOfUtcDay,
  systemStatus,
} from './tonypi-management.mapper';

const now = new Date('2026-01-24T10:00:00Z');
const usage = { cpu_percent: 12.5, memory_percent: 40, disk_usage_percent: 35.2 };

describe('health', () => {
  it('is healthy when every dependency answers', () => {
    const view = healthView(
      [
        { name: 'database', up: true },
        { name: 'mqtt', up: true },
      ],
      now,
    );
    expect(view).toEqual({
      status: 'healthy',
      message: 'Fleet is running',
      timestamp: '2026-01-24T10:00:00.000Z',
      services: { api: 'healthy', database: 'healthy', mqtt: 'healthy' },
    });
    expect(() => tonypiHealthSchema.parse(view)).not.toThrow();
  });

  it('names what does not answer', () => {
    const view = healthView(
      [
        { name: 'database', up: true },
        { name: 'redis', up: false },
      ],
      now,
    );
    expect(view).toMatchObject({
      status: 'unhealthy',
      message: 'Fleet is running; not answering: redis',
      services: { api: 'healthy', database: 'healthy', redis: 'unhealthy' },
    });
  });
});

describe('system status', () => {
  it('counts commands from midnight UTC of the day the clock is in', () => {
    expect(startOfUtcDay(new Date('2026-03-01T23:59:59.999+05:00'))).toEqual(new Date('2026-03-01T00:00:00.000Z'));
    expect(startOfUtcDay(new Date('2026-03-01T00:00:00.000Z'))).toEqual(new Date('2026-03-01T00:00:00.000Z'));
  });

  it('shows a service "running" exactly when its checks pass, under TonyPi names where it has them, and counts today\'s commands', () => {
    const view = systemStatus({
      uptimeS: 2 * 86_400 + 14 * 3_600 + 59,
      activeRobots: 3,
      dependencies: [
        { name: 'database', up: true },
        { name: 'mqtt', up: true },
        { name: 'mqtt_broker', up: false },
        { name: 'influxdb', up: true },
        { name: 'redis', up: true },
      ],
      usage,
      commandsToday: 45,
    });
    expect(view).toEqual({
      system_uptime: '2 days, 14 hours',
      active_robots: 3,
      total_commands_today: 45,
      system_health: 'degraded',
      services: { postgres: 'running', mqtt_broker: 'down', influxdb: 'running', redis: 'running' },
      resource_usage: usage,
    });
    expect(() => tonypiSystemStatusSchema.parse(view)).not.toThrow();
  });

  it('is healthy when all checks pass, whichever order shared names come in', () => {
    const view = systemStatus({
      uptimeS: 10,
      activeRobots: 0,
      dependencies: [
        { name: 'mqtt_broker', up: false },
        { name: 'mqtt', up: true },
      ],
      usage,
      commandsToday: 0,
    });
    expect(view.services).toEqual({ mqtt_broker: 'down' });
    expect(
      systemStatus({
        uptimeS: 10,
        activeRobots: 0,
        dependencies: [{ name: 'mqtt', up: true }],
        usage,
        commandsToday: 0,
      }),
    ).toMatchObject({ system_health: 'healthy', services: { mqtt_broker: 'running' } });
  });

  it.each([
    [59, '0 minutes'],
    [60, '1 minute'],
    [3_600 + 5 * 60, '1 hour, 5 minutes'],
    [86_400 + 3_600, '1 day, 1 hour'],
  ])('uptime %d s reads "%s"', (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });
});

describe('robots and their settings', () => {
  const robot: Robot = {
    id: 1,
    robot_id: 'tonypi_01',
    name: null,
    description: null,
    location: null,
    status: 'offline',
    ip_address: null,
    camera_url: null,
    battery_threshold_low: 20,
    battery_threshold_critical: 10,
    temp_threshold_warning: 70,
    temp_threshold_critical: 80,
    settings: { capabilities: ['navigation', 3, 'vision'], navigation: { max_speed: 1 } },
    last_seen: new Date('2026-01-24T09:00:00Z'),
    created_at: new Date('2026-01-01T00:00:00Z'),
    updated_at: null,
    is_active: true,
    device_type: 'tonypi',
    offline_timeout_s: null,
  };

  it('list with live status and battery, the newer last sighting, and string capabilities', () => {
    const view = managedRobot(robot, {
      robotId: 'tonypi_01',
      status: 'online',
      statusAt: null,
      lastSeen: '2026-01-24T09:59:00.000Z',
      entries: { battery_status: { time: '2026-01-24T09:59:00.000Z', tags: {}, fields: { percentage: 77 } } },
    });
    expect(view).toEqual({
      robot_id: 'tonypi_01',
      name: 'tonypi_01',
      type: 'tonypi',
      status: 'online',
      last_seen: '2026-01-24T09:59:00.000Z',
      capabilities: ['navigation', 'vision'],
      battery_level: 77,
    });
    expect(() => tonypiManagedRobotSchema.parse(view)).not.toThrow();
    expect(managedRobot({ ...robot, settings: null }, null)).toMatchObject({
      status: 'offline',
      last_seen: '2026-01-24T09:00:00.000Z',
      capabilities: [],
      battery_level: null,
    });
  });

  it('config: the settings by section, the robot id always its own', () => {
    expect(robotConfig('tonypi_01', { navigation: { max_speed: 1 }, robot_id: 'other' })).toEqual({
      navigation: { max_speed: 1 },
      robot_id: 'tonypi_01',
    });
    expect(robotConfig('tonypi_01', null)).toEqual({ robot_id: 'tonypi_01' });
  });
});
