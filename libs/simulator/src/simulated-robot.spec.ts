import { batteryVoltage, SILENT_AFTER_S, SimulatedRobot } from './simulated-robot';
import type {
  BatteryStatus,
  JobEvent,
  RobotLog,
  RobotStatus,
  SensorReading,
  ServoStatus,
  SimulatedMessage,
} from './tonypi-payloads';

const NOW = new Date('2026-01-24T10:30:45.123Z');
const NAIVE = /^2026-01-24T10:30:45\.123\d{3}$/;

const robot = (modes: ConstructorParameters<typeof SimulatedRobot>[0]['modes'] = [], seed = 7) =>
  new SimulatedRobot({ robotId: 'tonypi_01', index: 0, modes, seed, clockZone: 'UTC' });

/** Runs a robot for `seconds` simulated seconds at the client's intervals and returns everything it published. */
function runFor(r: SimulatedRobot, seconds: number): SimulatedMessage[] {
  const out: SimulatedMessage[] = [...r.startup(NOW, 0)];
  for (let at = 1; at <= seconds; at++) {
    if (at % 2 === 0) out.push(...r.sensors(NOW, at));
    if (at % 3 === 0) out.push(r.servos(NOW, at));
    if (at % 5 === 0) out.push(r.locationUpdate(NOW, at));
    if (at % 10 === 0) out.push(r.status(NOW, at));
    if (at % 30 === 0) out.push(r.batteryStatus(NOW, at), r.heartbeat(NOW, at));
    out.push(...r.jobEvents(NOW, at));
  }
  return out;
}

const of = <T>(messages: SimulatedMessage[], topic: string) =>
  messages.filter((m) => m.topic === topic).map((m) => m.payload as T);

describe('SimulatedRobot: what the TonyPi client publishes', () => {
  it('sends one message per sensor reading, with the client keys in its order', () => {
    const messages = robot().sensors(NOW, 0);
    expect(messages.map((m) => m.topic)).toEqual(Array(10).fill('tonypi/sensors/tonypi_01'));
    const readings = messages.map((m) => m.payload as SensorReading);
    expect(readings.map((r) => r.sensor_type)).toEqual([
      'accelerometer_x',
      'accelerometer_y',
      'accelerometer_z',
      'gyroscope_x',
      'gyroscope_y',
      'gyroscope_z',
      'ultrasonic_distance',
      'cpu_temperature',
      'light_sensor_dark',
      'light_level',
    ]);
    for (const r of readings) {
      expect(Object.keys(r)).toEqual(['robot_id', 'sensor_type', 'value', 'timestamp', 'unit']);
      expect(r).toMatchObject({
        robot_id: 'tonypi_01',
        value: expect.any(Number) as unknown,
        timestamp: expect.stringMatching(NAIVE) as unknown,
      });
    }
    expect(readings.map((r) => r.unit)).toEqual([
      'm/s^2',
      'm/s^2',
      'm/s^2',
      'deg/s',
      'deg/s',
      'deg/s',
      'cm',
      'C',
      'bool',
      '%',
    ]);
    expect([0, 1]).toContain(readings[8].value);
    expect(Number.isInteger(readings[9].value)).toBe(true);
  });

  it('sends six servos, each with the client keys, numbered servo_1 to servo_6', () => {
    const { topic, payload } = robot().servos(NOW, 0);
    const servos = payload as ServoStatus;
    expect(topic).toBe('tonypi/servos/tonypi_01');
    expect(Object.keys(servos)).toEqual(['robot_id', 'servos', 'servo_count', 'timestamp']);
    expect(servos.servo_count).toBe(6);
    expect(Object.keys(servos.servos)).toEqual(['servo_1', 'servo_2', 'servo_3', 'servo_4', 'servo_5', 'servo_6']);
    expect(Object.values(servos.servos).map((s) => s.name)).toEqual([
      'Left Hip',
      'Left Knee',
      'Right Hip',
      'Right Knee',
      'Head Pan',
      'Head Tilt',
    ]);
    for (const [key, s] of Object.entries(servos.servos)) {
      expect(Object.keys(s)).toEqual([
        'id',
        'name',
        'position',
        'temperature',
        'voltage',
        'torque_enabled',
        'alert_level',
      ]);
      expect(key).toBe(`servo_${s.id}`);
      expect(s.position).toBeGreaterThanOrEqual(-90);
      expect(s.position).toBeLessThanOrEqual(90);
      expect(s).toMatchObject({ torque_enabled: true, alert_level: 'normal' });
    }
  });

  it('reports status with system information, address and camera, and its emergency-stop state', () => {
    const status = robot().status(NOW, 0);
    expect(status.topic).toBe('tonypi/status/tonypi_01');
    const payload = status.payload as RobotStatus;
    expect(Object.keys(payload)).toEqual([
      'robot_id',
      'status',
      'timestamp',
      'system_info',
      'hardware_available',
      'ip_address',
      'camera_url',
      'emergency_stopped',
      'emergency_reason',
    ]);
    expect(Object.keys(payload.system_info)).toEqual([
      'platform',
      'cpu_percent',
      'memory_percent',
      'disk_usage',
      'temperature',
      'cpu_temperature',
      'uptime',
      'hardware_mode',
      'hardware_sdk',
    ]);
    expect(payload).toMatchObject({
      status: 'online',
      ip_address: '192.168.149.10',
      camera_url: 'http://192.168.149.10:8081/?action=stream',
      emergency_stopped: false,
      emergency_reason: null,
    });
    expect((robot().status(NOW, 5, 'offline').payload as RobotStatus).status).toBe('offline');
  });

  it('publishes battery and location on the shared topics, the robot id only in the payload', () => {
    const r = robot();
    const battery = r.batteryStatus(NOW, 0);
    expect(battery.topic).toBe('tonypi/battery');
    expect(Object.keys(battery.payload)).toEqual(['robot_id', 'percentage', 'voltage', 'charging', 'timestamp']);
    const b = battery.payload as BatteryStatus;
    expect(b.voltage).toBeCloseTo(batteryVoltage(b.percentage), 1);
    const location = r.locationUpdate(NOW, 0);
    expect(location).toEqual({
      topic: 'tonypi/location',
      payload: { robot_id: 'tonypi_01', x: 0, y: 0, z: 0, timestamp: expect.stringMatching(NAIVE) as unknown },
    });
  });

  it('starts like the client: status, battery, sensors, servos, location, then a log line', () => {
    const topics = robot()
      .startup(NOW, 0)
      .map((m) => m.topic);
    expect(topics).toEqual([
      'tonypi/status/tonypi_01',
      'tonypi/battery',
      ...Array<string>(10).fill('tonypi/sensors/tonypi_01'),
      'tonypi/servos/tonypi_01',
      'tonypi/location',
      'tonypi/logs/tonypi_01',
    ]);
    const heartbeat = robot().heartbeat(NOW, 30).payload as RobotLog;
    expect(Object.keys(heartbeat)).toEqual(['robot_id', 'timestamp', 'level', 'message', 'source']);
    expect(heartbeat).toMatchObject({
      level: 'INFO',
      message: 'Robot running normally. Cycle: 300',
      source: 'telemetry',
    });
  });

  it('publishes the same readings for the same seed', () => {
    expect(runFor(robot([], 3), 60)).toEqual(runFor(robot([], 3), 60));
    expect(runFor(robot([], 3), 60)).not.toEqual(runFor(robot([], 4), 60));
  });

  it('drains the battery slowly like the client', () => {
    const r = robot();
    const start = (r.batteryStatus(NOW, 0).payload as BatteryStatus).percentage;
    const hourLater = (r.batteryStatus(NOW, 3600).payload as BatteryStatus).percentage;
    expect(start - hourLater).toBeCloseTo(36, 0);
  });
});

describe('SimulatedRobot modes', () => {
  it('low-battery: starts at 21 % and falls below 20 % within a minute, never below 3 %', () => {
    const r = robot(['low-battery']);
    const levels = of<BatteryStatus>(runFor(r, 3600), 'tonypi/battery').map((b) => b.percentage);
    expect(levels[0]).toBe(21);
    expect(levels[1]).toBeLessThan(20);
    expect(Math.min(...levels)).toBe(3);
  });

  it('hot-servos: a knee servo reaches warning (over 60 °C) and the other critical (over 70 °C)', () => {
    const servos = of<ServoStatus>(runFor(robot(['hot-servos']), 120), 'tonypi/servos/tonypi_01');
    const last = servos[servos.length - 1].servos;
    expect(last.servo_2).toMatchObject({ name: 'Left Knee', alert_level: 'warning' });
    expect(last.servo_2.temperature).toBeGreaterThan(60);
    expect(last.servo_4).toMatchObject({ name: 'Right Knee', alert_level: 'critical' });
    expect(last.servo_4.temperature).toBeGreaterThan(70);
    expect(last.servo_1.alert_level).toBe('normal');
  });

  it('high-cpu: CPU load above 90 % and a hot CPU', () => {
    const statuses = of<RobotStatus>(runFor(robot(['high-cpu']), 120), 'tonypi/status/tonypi_01');
    const last = statuses[statuses.length - 1].system_info;
    expect(last.cpu_percent).toBeGreaterThan(90);
    expect(last.cpu_temperature).toBeGreaterThan(75);
  });

  it('job: runs jobs through started, in progress (searching, executing) and completed', () => {
    const messages = runFor(robot(['job']), 300);
    const events = of<JobEvent>(messages, 'tonypi/job/tonypi_01');
    expect(events.length).toBeGreaterThanOrEqual(8);
    const first = events.slice(0, 4);
    expect(first.map((e) => [e.status, e.phase])).toEqual([
      ['started', 'scanning'],
      ['in_progress', 'searching'],
      ['in_progress', 'executing'],
      ['completed', 'done'],
    ]);
    expect(new Set(first.map((e) => e.task_name)).size).toBe(1);
    expect(Object.keys(first[0])).toEqual([
      'robot_id',
      'timestamp',
      'task_name',
      'status',
      'phase',
      'estimated_duration',
    ]);
    expect(Object.keys(first[1])).toEqual(['robot_id', 'timestamp', 'task_name', 'status', 'phase', 'elapsed_time']);
    expect(Object.keys(first[3])).toEqual([
      'robot_id',
      'timestamp',
      'task_name',
      'status',
      'phase',
      'elapsed_time',
      'estimated_duration',
      'action_duration',
      'success',
    ]);
    expect(first[3].elapsed_time).toBeGreaterThan(first[2].elapsed_time ?? Infinity);
    expect(first[3].action_duration).toBeLessThan(first[3].elapsed_time ?? 0);
    const logs = of<RobotLog>(messages, 'tonypi/logs/tonypi_01').map((l) => l.message);
    expect(logs).toContain(`Task started: ${first[0].task_name}`);
    expect(logs.some((m) => m.startsWith(`Task completed: ${first[0].task_name} in `))).toBe(true);
  });

  it('job: publishes nothing on the job topic for robots not in job mode', () => {
    expect(of(runFor(robot(), 300), 'tonypi/job/tonypi_01')).toEqual([]);
  });

  it('silent: goes quiet after a simulated minute', () => {
    const r = robot(['silent']);
    expect(r.isSilent(SILENT_AFTER_S - 1)).toBe(false);
    expect(r.isSilent(SILENT_AFTER_S)).toBe(true);
    expect(robot().isSilent(3600)).toBe(false);
  });
});
