import { naiveTimestamp, type RobotClockZone } from './naive-timestamp';
import { round, SeededRandom } from './random';
import type { RobotMode } from './robot-modes';
import {
  SENSOR_UNITS,
  type BatteryStatus,
  type JobEvent,
  type RobotLocation,
  type RobotLog,
  type RobotStatus,
  type SensorReading,
  type SensorType,
  type ServoReading,
  type ServoStatus,
  type SimulatedMessage,
  type SystemInfo,
} from './tonypi-payloads';

/** The client's own names for its six bus servos. */
const SERVO_NAMES = ['Left Hip', 'Left Knee', 'Right Hip', 'Right Knee', 'Head Pan', 'Head Tilt'];

/** The tasks the TonyPi main program runs, with its estimated durations in seconds. */
export const TASKS: Readonly<Record<string, number>> = {
  Peeling: 45,
  'Insert Label': 30,
  Flip: 25,
  Transport: 40,
  'Pick Up Cardboard': 35,
  'Transport Cardboard': 50,
};

/** The client's LiPo 3S discharge curve: (volts, percent). */
const DISCHARGE_CURVE: readonly (readonly [number, number])[] = [
  [9.0, 0],
  [9.6, 5],
  [10.2, 15],
  [10.5, 25],
  [10.8, 40],
  [11.1, 50],
  [11.4, 65],
  [11.7, 80],
  [12.0, 90],
  [12.3, 95],
  [12.6, 100],
];

/** The battery voltage at which the client's curve reads `percent`. */
export function batteryVoltage(percent: number): number {
  const p = Math.min(100, Math.max(0, percent));
  for (let i = 1; i < DISCHARGE_CURVE.length; i++) {
    const [v1, p1] = DISCHARGE_CURVE[i - 1];
    const [v2, p2] = DISCHARGE_CURVE[i];
    if (p <= p2) return v1 + ((p - p1) / (p2 - p1)) * (v2 - v1);
  }
  return 12.6;
}

/** Battery drain in percent per simulated second: the client's own (0.001 every 0.1 s) and the low-battery mode's. */
const DRAIN_PER_S = 0.01;
const LOW_BATTERY_DRAIN_PER_S = 0.04;
const LOW_BATTERY_START = 21;
const LOW_BATTERY_FLOOR = 3;
/** Simulated seconds a `silent` robot publishes before it goes quiet. */
export const SILENT_AFTER_S = 60;

export interface SimulatedRobotOptions {
  robotId: string;
  /** 0 for the first robot; it picks the robot's address. */
  index: number;
  modes?: readonly RobotMode[];
  /** Same seed, same readings. */
  seed?: number;
  /** The zone the robot's clock is set to; its timestamps carry no zone. Default `local`, as on a real robot. */
  clockZone?: RobotClockZone;
}

type JobPhase = 'scanning' | 'searching' | 'executing';

type JobState =
  | { kind: 'idle'; nextAt: number }
  | {
      kind: 'running';
      task: string;
      estimated: number;
      startedAt: number;
      phase: JobPhase;
      phaseEndsAt: number;
      actionStartedAt: number;
    };

/**
 * One simulated TonyPi robot: its state (battery, servos, CPU, position, job) and the messages the TonyPi client
 * would publish from it. Pure apart from its seeded randomness: the caller says what time it is (`now`, for
 * timestamps) and how many simulated seconds have passed (`at`, for the state), so tests never wait.
 *
 * @example
 * const robot = new SimulatedRobot({ robotId: 'tonypi_01', index: 0, modes: ['job'] });
 * robot.sensors(new Date(), 0); // ten `tonypi/sensors/tonypi_01` messages
 */
export class SimulatedRobot {
  readonly robotId: string;
  readonly modes: ReadonlySet<RobotMode>;
  readonly ipAddress: string;
  private readonly random: SeededRandom;
  private readonly zone: RobotClockZone;
  private readonly bootUptime: number;
  private at = 0;
  private battery: number;
  private readonly location = { x: 0, y: 0, z: 0 };
  private readonly servoTemps: number[];
  private readonly servoPulses: number[];
  private readonly servoMillivolts: number[];
  private cpu = 20;
  private memory: number;
  private disk: number;
  private cpuTemp = 48;
  private lastSensors: Record<string, number | string> = {};
  private job: JobState;
  private itemsFound = 0;
  emergencyStopped = false;
  emergencyReason: string | null = null;

  constructor(options: SimulatedRobotOptions) {
    this.robotId = options.robotId;
    this.modes = new Set(options.modes ?? []);
    this.random = new SeededRandom(options.seed ?? hash(options.robotId));
    this.zone = options.clockZone ?? 'local';
    this.ipAddress = `192.168.149.${10 + (options.index % 240)}`;
    this.bootUptime = this.random.uniform(600, 86_400);
    this.battery = this.modes.has('low-battery') ? LOW_BATTERY_START : this.random.uniform(70, 100);
    this.servoTemps = SERVO_NAMES.map(() => this.random.uniform(36, 46));
    this.servoPulses = SERVO_NAMES.map(() => this.random.int(400, 600));
    // Healthy bus servos read well above Fleet's default servo_voltage thresholds (warning 5.5 V, critical 5.0 V).
    this.servoMillivolts = SERVO_NAMES.map(() => this.random.int(7200, 7600));
    this.memory = this.random.uniform(28, 42);
    this.disk = this.random.uniform(30, 60);
    this.job = { kind: 'idle', nextAt: this.random.uniform(2, 6) };
  }

  /** Whether a `silent` robot has gone quiet by simulated second `at`. */
  isSilent(at: number): boolean {
    return this.modes.has('silent') && at >= SILENT_AFTER_S;
  }

  /** What the client sends right after connecting: status, battery, sensors, servos, location and a log line. */
  startup(now: Date, at: number): SimulatedMessage[] {
    return [
      this.status(now, at),
      this.batteryStatus(now, at),
      ...this.sensors(now, at),
      this.servos(now, at),
      this.locationUpdate(now, at),
      this.log(now, 'INFO', 'Robot client started and connected', 'main'),
    ];
  }

  /** Every 2 s: one message per reading, as the client sends them. */
  sensors(now: Date, at: number): SimulatedMessage[] {
    this.advance(at);
    const r = this.random;
    const dark = r.chance(0.05);
    const readings: Record<SensorType, number> = {
      accelerometer_x: round(r.uniform(-0.5, 0.5), 3),
      accelerometer_y: round(r.uniform(-0.5, 0.5), 3),
      accelerometer_z: round(r.uniform(9.5, 10.0), 3),
      gyroscope_x: round(r.uniform(-10, 10), 2),
      gyroscope_y: round(r.uniform(-10, 10), 2),
      gyroscope_z: round(r.uniform(-10, 10), 2),
      ultrasonic_distance: round(r.int(50, 2000) / 10, 1),
      cpu_temperature: round(this.cpuTemp, 3),
      light_sensor_dark: dark ? 1 : 0,
      light_level: dark ? r.int(0, 20) : r.int(60, 100),
    };
    this.lastSensors = { ...readings, light_status: dark ? 'dark' : 'bright' };
    return (Object.keys(readings) as SensorType[]).map((sensor) => {
      const payload: SensorReading = {
        robot_id: this.robotId,
        sensor_type: sensor,
        value: readings[sensor],
        timestamp: this.timestamp(now),
        unit: SENSOR_UNITS[sensor],
      };
      return { topic: `tonypi/sensors/${this.robotId}`, payload };
    });
  }

  /** Every 3 s: the six bus servos. */
  servos(now: Date, at: number): SimulatedMessage {
    this.advance(at);
    const servos: Record<string, ServoReading> = {};
    SERVO_NAMES.forEach((name, i) => {
      this.servoPulses[i] = clamp(this.servoPulses[i] + this.random.int(-25, 25), 250, 750);
      const temperature = Math.round(this.servoTemps[i]);
      servos[`servo_${i + 1}`] = {
        id: i + 1,
        name,
        position: round(((this.servoPulses[i] - 500) / 500) * 90, 1),
        temperature,
        voltage: (this.servoMillivolts[i] + this.random.int(-20, 20)) / 1000,
        torque_enabled: true,
        alert_level: temperature > 70 ? 'critical' : temperature > 60 ? 'warning' : 'normal',
      };
    });
    const payload: ServoStatus = {
      robot_id: this.robotId,
      servos,
      servo_count: SERVO_NAMES.length,
      timestamp: this.timestamp(now),
    };
    return { topic: `tonypi/servos/${this.robotId}`, payload };
  }

  /** Every 10 s, and `offline` when the client stops. */
  status(now: Date, at: number, status: 'online' | 'offline' = 'online'): SimulatedMessage {
    this.advance(at);
    const payload: RobotStatus = {
      robot_id: this.robotId,
      status: this.emergencyStopped ? 'emergency_stopped' : status,
      timestamp: this.timestamp(now),
      system_info: this.systemInfo(),
      hardware_available: true,
      ip_address: this.ipAddress,
      camera_url: `http://${this.ipAddress}:8081/?action=stream`,
      emergency_stopped: this.emergencyStopped,
      emergency_reason: this.emergencyReason,
    };
    return { topic: `tonypi/status/${this.robotId}`, payload };
  }

  /** Every 30 s, on `tonypi/battery` (the robot id is only in the payload). */
  batteryStatus(now: Date, at: number): SimulatedMessage {
    this.advance(at);
    const payload: BatteryStatus = {
      robot_id: this.robotId,
      percentage: round(this.battery, 1),
      voltage: round(batteryVoltage(this.battery), 2),
      charging: false,
      timestamp: this.timestamp(now),
    };
    return { topic: 'tonypi/battery', payload };
  }

  /** Every 5 s, on `tonypi/location` (the robot id is only in the payload). */
  locationUpdate(now: Date, at: number): SimulatedMessage {
    this.advance(at);
    const payload: RobotLocation = {
      robot_id: this.robotId,
      x: this.location.x,
      y: this.location.y,
      z: this.location.z,
      timestamp: this.timestamp(now),
    };
    return { topic: 'tonypi/location', payload };
  }

  /** Every 30 s the client reports that it runs; its cycle count grows ten times a second. */
  heartbeat(now: Date, at: number): SimulatedMessage {
    return this.log(now, 'INFO', `Robot running normally. Cycle: ${Math.round(at * 10)}`, 'telemetry');
  }

  log(now: Date, level: RobotLog['level'], message: string, source: string): SimulatedMessage {
    const payload: RobotLog = { robot_id: this.robotId, timestamp: this.timestamp(now), level, message, source };
    return { topic: `tonypi/logs/${this.robotId}`, payload };
  }

  /**
   * The job events (and the log lines that go with them) due by simulated second `at`, for a robot in `job` mode:
   * started while scanning for the station, in progress while searching and while executing, then completed.
   */
  jobEvents(now: Date, at: number): SimulatedMessage[] {
    if (!this.modes.has('job') || this.emergencyStopped) return [];
    this.advance(at);
    const out: SimulatedMessage[] = [];
    for (;;) {
      const job = this.job;
      if (job.kind === 'idle') {
        if (at < job.nextAt) return out;
        const task = this.random.pick(Object.keys(TASKS));
        const estimated = TASKS[task];
        this.job = {
          kind: 'running',
          task,
          estimated,
          startedAt: job.nextAt,
          phase: 'scanning',
          phaseEndsAt: job.nextAt + estimated * this.random.uniform(0.1, 0.25),
          actionStartedAt: 0,
        };
        out.push(this.log(now, 'INFO', `Task started: ${task}`, 'voice'));
        out.push(
          this.jobEvent(now, { task_name: task, status: 'started', phase: 'scanning', estimated_duration: estimated }),
        );
        continue;
      }
      if (at < job.phaseEndsAt) return out;
      const elapsed = job.phaseEndsAt - job.startedAt;
      if (job.phase === 'scanning') {
        this.job = {
          ...job,
          phase: 'searching',
          phaseEndsAt: job.phaseEndsAt + job.estimated * this.random.uniform(0.15, 0.3),
        };
        out.push(
          this.jobEvent(now, { task_name: job.task, status: 'in_progress', phase: 'searching', elapsed_time: elapsed }),
        );
      } else if (job.phase === 'searching') {
        this.job = {
          ...job,
          phase: 'executing',
          actionStartedAt: job.phaseEndsAt,
          phaseEndsAt: job.phaseEndsAt + job.estimated * this.random.uniform(0.4, 0.6),
        };
        out.push(this.log(now, 'INFO', 'Target locked: cardboard', 'vision'));
        out.push(
          this.jobEvent(now, { task_name: job.task, status: 'in_progress', phase: 'executing', elapsed_time: elapsed }),
        );
        out.push(this.log(now, 'INFO', `Executing task: ${job.task}`, 'action'));
      } else {
        const actionDuration = job.phaseEndsAt - job.actionStartedAt;
        this.job = { kind: 'idle', nextAt: job.phaseEndsAt + this.random.uniform(5, 15) };
        out.push(this.log(now, 'INFO', `Task completed: ${job.task} in ${elapsed.toFixed(1)}s`, 'action'));
        out.push(
          this.jobEvent(now, {
            task_name: job.task,
            status: 'completed',
            phase: 'done',
            elapsed_time: elapsed,
            estimated_duration: job.estimated,
            action_duration: actionDuration,
            success: true,
          }),
        );
      }
    }
  }

  /** The running job's name, if any (an emergency stop cancels it). */
  get runningTask(): string | undefined {
    return this.job.kind === 'running' ? this.job.task : undefined;
  }

  /** An emergency stop cancels the running job, as the TonyPi main program does. */
  cancelJob(now: Date, at: number, reason: string): SimulatedMessage[] {
    const job = this.job;
    if (job.kind !== 'running') return [];
    this.job = { kind: 'idle', nextAt: at + this.random.uniform(5, 15) };
    return [
      this.jobEvent(now, {
        task_name: job.task,
        status: 'cancelled',
        phase: job.phase,
        elapsed_time: Math.max(0, at - job.startedAt),
        reason,
      }),
    ];
  }

  /** Moves as the client does in simulation: forward/backward along x, left/right along y; the battery pays. */
  move(direction: string, distance: number): void {
    if (direction === 'forward') this.location.x += distance;
    else if (direction === 'backward') this.location.x -= distance;
    else if (direction === 'left') this.location.y -= distance;
    else if (direction === 'right') this.location.y += distance;
    this.battery = Math.max(0, this.battery - distance * 0.1);
  }

  /** What `status_request` answers with. */
  statusData(): Record<string, unknown> {
    return {
      status: this.emergencyStopped ? 'emergency_stopped' : 'online',
      emergency_stopped: this.emergencyStopped,
      emergency_reason: this.emergencyReason,
      battery_level: this.battery,
      location: { ...this.location },
      sensors: { ...this.lastSensors },
      system_info: this.systemInfo(),
      hardware_available: true,
    };
  }

  /** Counts a scanned item that was found; the client's job progress counts them. */
  recordFoundItem(): number {
    return ++this.itemsFound;
  }

  get batteryLevel(): number {
    return this.battery;
  }

  /** The client's naive local timestamp, with microseconds a real clock would show. */
  timestamp(now: Date): string {
    return naiveTimestamp(now, this.zone, this.random.int(0, 999));
  }

  private jobEvent(now: Date, event: Omit<JobEvent, 'robot_id' | 'timestamp'>): SimulatedMessage {
    const payload: JobEvent = { robot_id: this.robotId, timestamp: this.timestamp(now), ...event };
    return { topic: `tonypi/job/${this.robotId}`, payload };
  }

  private systemInfo(): SystemInfo {
    const temperature = round(this.cpuTemp, 3);
    return {
      platform: 'Linux-6.6.51+rpt-rpi-v8-aarch64-with-glibc2.36',
      cpu_percent: round(this.cpu, 1),
      memory_percent: round(this.memory, 1),
      disk_usage: round(this.disk, 1),
      temperature,
      cpu_temperature: temperature,
      uptime: this.bootUptime + this.at,
      hardware_mode: true,
      hardware_sdk: true,
    };
  }

  /** Moves the state on to simulated second `at`. */
  private advance(at: number): void {
    const dt = at - this.at;
    if (dt <= 0) return;
    this.at = at;
    const r = this.random;
    const low = this.modes.has('low-battery');
    this.battery = Math.max(
      low ? LOW_BATTERY_FLOOR : 0,
      this.battery - dt * (low ? LOW_BATTERY_DRAIN_PER_S : DRAIN_PER_S),
    );

    const busy = this.job.kind === 'running';
    const [cpuLow, cpuHigh] = this.modes.has('high-cpu') ? [90, 99.5] : busy ? [35, 70] : [8, 35];
    this.cpu = drift(r, this.cpu, cpuLow, cpuHigh, 6);
    this.memory = clamp(this.memory + r.uniform(-0.3, 0.3), 20, 60);
    this.disk = Math.min(95, this.disk + dt * 1e-5);
    const [tempLow, tempHigh] = this.modes.has('high-cpu') ? [77, 83] : [43, 58];
    this.cpuTemp = drift(r, this.cpuTemp, tempLow, tempHigh, 1.5);

    const hot = this.modes.has('hot-servos');
    this.servoTemps.forEach((t, i) => {
      // Both knees overheat in hot-servos mode: one to warning, one to critical.
      const [lo, hi] = hot && i === 1 ? [62, 68] : hot && i === 3 ? [72, 78] : busy ? [40, 52] : [35, 46];
      this.servoTemps[i] = drift(r, t, lo, hi, Math.min(3, 0.5 + dt * 0.2));
    });

    if (this.job.kind === 'running' && this.job.phase !== 'scanning') {
      this.location.x = round(this.location.x + r.uniform(-0.05, 0.15) * Math.min(dt, 10), 3);
      this.location.y = round(this.location.y + r.uniform(-0.1, 0.1) * Math.min(dt, 10), 3);
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A random walk that heads back into [low, high] by at most `step` per call when it is outside. */
function drift(random: SeededRandom, value: number, low: number, high: number, step: number): number {
  if (value < low) return Math.min(value + step, high);
  if (value > high) return Math.max(value - step, low);
  return clamp(value + random.uniform(-step, step) / 3, low, high);
}

/** A stable seed from a robot id. */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
