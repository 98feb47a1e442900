import {
  decodeRobotMessage,
  ROBOT_MESSAGE_KINDS,
  ROBOT_PAYLOAD_EXAMPLES,
  ROBOT_PAYLOAD_VARIANTS,
  robotExample,
  telemetryEventSchema,
  type RobotMessageKind,
  type RobotPayloadExample,
  type TelemetryEvent,
} from '@fleet/contracts';
import { observe, SIGNAL_METRICS, type MetricSample } from './observation';

const ROBOT = 'tonypi_07';
const AT = new Date('2026-01-24T10:30:45.123Z');
const RECEIVED = new Date('2026-01-24T10:30:45.400Z');
const TIME_OPTIONS = { timezone: 'UTC', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 };

/**
 * A telemetry event exactly as alerting receives one: the example published for `kind`, decoded and coerced the
 * way ingest does it, and carried over the bus as JSON.
 */
function ingested(kind: RobotMessageKind, payload?: RobotPayloadExample): TelemetryEvent {
  const example = robotExample(kind, { robotId: ROBOT, at: AT, ...(payload && { payload }) });
  const decoded = decodeRobotMessage(
    example.topic,
    Buffer.from(JSON.stringify(example.payload)),
    RECEIVED,
    TIME_OPTIONS,
  );
  if (!decoded.ok) throw new Error(`the ${kind} example was refused: ${decoded.reason}: ${decoded.detail}`);
  const { message } = decoded;
  const event = {
    messageKey: `${kind}:1`,
    robotId: message.robotId,
    kind: message.kind,
    time: message.time.toISOString(),
    receivedAt: RECEIVED.toISOString(),
    clock: message.clock,
    data: message.data,
  };
  return telemetryEventSchema.parse(JSON.parse(JSON.stringify(event)));
}

/** An event with `data` as given, for shapes the schemas would have coerced or refused. */
function raw(kind: string, data: Record<string, unknown>): TelemetryEvent {
  return {
    messageKey: `${kind}:raw`,
    robotId: ROBOT,
    kind,
    time: AT.toISOString(),
    receivedAt: RECEIVED.toISOString(),
    clock: 'ok',
    data,
  };
}

function samples(event: TelemetryEvent): MetricSample[] {
  return observe(event).samples;
}

const stopped = (note?: string): MetricSample => ({
  metric: SIGNAL_METRICS.emergencyStop,
  source: 'robot',
  value: 1,
  ...(note && { note }),
});
const resumed: MetricSample = { metric: SIGNAL_METRICS.emergencyStop, source: 'robot', value: 0 };

describe('observing a telemetry event', () => {
  it('keeps who sent it, what it is, its key and both of its times', () => {
    const observation = observe(ingested('battery'));
    expect(observation).toMatchObject({
      robotId: ROBOT,
      kind: 'battery',
      messageKey: 'battery:1',
      time: AT,
      receivedAt: RECEIVED,
    });
  });

  describe('status', () => {
    it("reads the host's cpu, memory, disk and temperature and clears an error and an e-stop when online", () => {
      const observation = observe(ingested('status'));
      expect(observation.status).toBe('online');
      expect(observation.samples).toEqual([
        { metric: 'cpu', source: 'cpu', value: 23.5 },
        { metric: 'memory', source: 'memory', value: 41.2 },
        { metric: 'disk', source: 'disk', value: 38.7 },
        { metric: 'temperature', source: 'cpu', value: 52.6 },
        { metric: SIGNAL_METRICS.statusError, source: 'status', value: 0 },
        resumed,
      ]);
    });

    it('takes the temperature from cpu_temperature when an older client sends only that', () => {
      const { temperature: _omitted, ...info } = ROBOT_PAYLOAD_EXAMPLES.status.system_info as Record<string, unknown>;
      const event = ingested('status', {
        ...ROBOT_PAYLOAD_EXAMPLES.status,
        system_info: { ...info, cpu_temperature: 71.25 },
      });
      expect(samples(event)).toContainEqual({ metric: 'temperature', source: 'cpu', value: 71.25 });
    });

    it('reports an error status as 1 with the words the robot gave', () => {
      const event = ingested('status', {
        robot_id: ROBOT,
        status: 'error',
        timestamp: '2026-01-24T10:30:45.123456',
        system_info: { error: "[Errno 2] No such file or directory: '/proc/stat'" },
      });
      const observation = observe(event);
      expect(observation.status).toBe('error');
      expect(observation.samples).toEqual([
        {
          metric: SIGNAL_METRICS.statusError,
          source: 'status',
          value: 1,
          note: "[Errno 2] No such file or directory: '/proc/stat'",
        },
      ]);
    });

    it("falls back to the message's own error or message text, and to no words at all", () => {
      const base = { robot_id: ROBOT, status: 'error', timestamp: '2026-01-24T10:30:45.123456' };
      expect(samples(ingested('status', { ...base, error: 'camera lost' }))).toEqual([
        { metric: SIGNAL_METRICS.statusError, source: 'status', value: 1, note: 'camera lost' },
      ]);
      expect(samples(ingested('status', { ...base, message: 'servo bus timeout' }))).toEqual([
        { metric: SIGNAL_METRICS.statusError, source: 'status', value: 1, note: 'servo bus timeout' },
      ]);
      expect(samples(ingested('status', { ...base, error: '   ' }))).toEqual([
        { metric: SIGNAL_METRICS.statusError, source: 'status', value: 1 },
      ]);
    });

    it('keeps a long error text to 500 characters', () => {
      const [sample] = samples(raw('status', { status: 'error', error: 'x'.repeat(2_000) }));
      expect(sample?.note).toHaveLength(500);
    });

    it('says nothing about an error or an e-stop when offline, and reads no vitals it was not sent', () => {
      const { kind, payload } = ROBOT_PAYLOAD_VARIANTS.offlineStatus;
      const observation = observe(ingested(kind, payload));
      expect(observation.status).toBe('offline');
      expect(observation.samples).toEqual([]);
    });

    it('clears an e-stop only when the robot says it is online and not stopped', () => {
      const example = ROBOT_PAYLOAD_EXAMPLES.status;
      const stillStopped = ingested('status', {
        ...example,
        status: 'emergency_stopped',
        emergency_stopped: true,
        emergency_reason: 'Operator pressed stop',
      });
      expect(samples(stillStopped).map((s) => s.metric)).toEqual(['cpu', 'memory', 'disk', 'temperature']);

      const { emergency_stopped: _omitted, ...unsaid } = example;
      expect(samples(ingested('status', unsaid)).map((s) => s.metric)).not.toContain(SIGNAL_METRICS.emergencyStop);

      const onlineButStopped = ingested('status', { ...example, emergency_stopped: true });
      expect(samples(onlineButStopped).map((s) => s.metric)).not.toContain(SIGNAL_METRICS.emergencyStop);
    });

    it('a status without a status word records none and clears nothing', () => {
      const observation = observe(raw('status', { system_info: { cpu_percent: 12 } }));
      expect(observation.status).toBeUndefined();
      expect(observation.samples).toEqual([{ metric: 'cpu', source: 'cpu', value: 12 }]);
    });
  });

  describe('battery', () => {
    it('reads the percentage and whether the robot is charging', () => {
      const observation = observe(ingested('battery'));
      expect(observation.samples).toEqual([{ metric: 'battery', source: 'battery', value: 87.3 }]);
      expect(observation.charging).toBe(false);

      const charging = observe(ingested('battery', { ...ROBOT_PAYLOAD_EXAMPLES.battery, charging: true }));
      expect(charging.charging).toBe(true);
    });

    it('leaves charging unknown when the robot does not say', () => {
      const { charging: _omitted, ...payload } = ROBOT_PAYLOAD_EXAMPLES.battery;
      expect(observe(ingested('battery', payload)).charging).toBeUndefined();
    });

    it('reads a percentage sent as a numeric string', () => {
      const event = ingested('battery', { ...ROBOT_PAYLOAD_EXAMPLES.battery, percentage: '19.5' });
      expect(samples(event)).toEqual([{ metric: 'battery', source: 'battery', value: 19.5 }]);
      expect(samples(raw('battery', { percentage: ' 19.5 ' }))).toEqual([
        { metric: 'battery', source: 'battery', value: 19.5 },
      ]);
    });
  });

  describe('servos', () => {
    it("reads each servo's temperature and voltage under servo_N, with its name", () => {
      const got = samples(ingested('servos'));
      expect(got).toHaveLength(12);
      expect(got.slice(0, 2)).toEqual([
        { metric: 'servo_temp', source: 'servo_1', value: 45, note: 'Left Hip' },
        { metric: 'servo_voltage', source: 'servo_1', value: 5.02, note: 'Left Hip' },
      ]);
      expect(got).toContainEqual({ metric: 'servo_temp', source: 'servo_4', value: 63, note: 'Right Knee' });
      expect(new Set(got.map((s) => s.source))).toEqual(
        new Set(['servo_1', 'servo_2', 'servo_3', 'servo_4', 'servo_5', 'servo_6']),
      );
    });

    it('names the source by the servo id, also when id and readings come as numeric strings', () => {
      const payload = {
        robot_id: ROBOT,
        servos: { left_ankle: { id: '7', name: 'Left Ankle', temperature: '58.5', voltage: '4.9' } },
        timestamp: '2026-01-24T10:30:45.123456',
      };
      const expected = [
        { metric: 'servo_temp', source: 'servo_7', value: 58.5, note: 'Left Ankle' },
        { metric: 'servo_voltage', source: 'servo_7', value: 4.9, note: 'Left Ankle' },
      ];
      expect(samples(ingested('servos', payload))).toEqual(expected);
      expect(samples(raw('servos', payload))).toEqual(expected);
    });

    it('falls back to the key without a usable id, and to no words without a name', () => {
      const event = raw('servos', {
        servos: {
          servo_2: { temperature: 50 },
          wrist: { id: 2.5, voltage: 5 },
          neck: { id: 'three', temperature: 40, name: '' },
        },
      });
      expect(samples(event)).toEqual([
        { metric: 'servo_temp', source: 'servo_2', value: 50 },
        { metric: 'servo_voltage', source: 'wrist', value: 5 },
        { metric: 'servo_temp', source: 'neck', value: 40 },
      ]);
    });

    it('skips entries that are not servo objects and readings that are missing', () => {
      const event = raw('servos', {
        servos: { servo_1: null, servo_2: [1, 2], servo_3: 'hot', servo_4: { id: 4, name: 'Right Knee' } },
      });
      expect(samples(event)).toEqual([]);
      expect(samples(raw('servos', { servos: 'none' }))).toEqual([]);
      expect(samples(raw('servos', {}))).toEqual([]);
    });
  });

  describe('sensors', () => {
    it('files cpu_temperature as the temperature of the cpu', () => {
      const event = ingested('sensors', {
        ...ROBOT_PAYLOAD_EXAMPLES.sensors,
        sensor_type: 'cpu_temperature',
        value: 52.6,
        unit: 'C',
      });
      expect(samples(event)).toEqual([{ metric: 'temperature', source: 'cpu', value: 52.6 }]);
    });

    it('files any other reading under its sensor type', () => {
      expect(samples(ingested('sensors'))).toEqual([
        { metric: 'accelerometer_z', source: 'accelerometer_z', value: 9.812 },
      ]);
      const distance = ingested('sensors', {
        ...ROBOT_PAYLOAD_EXAMPLES.sensors,
        sensor_type: 'ultrasonic_distance',
        value: '12.5',
        unit: 'cm',
      });
      expect(samples(distance)).toEqual([
        { metric: 'ultrasonic_distance', source: 'ultrasonic_distance', value: 12.5 },
      ]);
    });

    it.each(['emergency_stop', 'status_error', 'offline'])(
      'does not take a sensor named %s for the condition alerting keeps under that name',
      (sensorType) => {
        const event = ingested('sensors', { ...ROBOT_PAYLOAD_EXAMPLES.sensors, sensor_type: sensorType, value: 1 });
        expect(samples(event)).toEqual([]);
      },
    );

    it('reads nothing without a sensor type', () => {
      expect(samples(raw('sensors', { value: 3 }))).toEqual([]);
      expect(samples(raw('sensors', { sensor_type: '', value: 3 }))).toEqual([]);
    });
  });

  describe('emergency stop acknowledgements', () => {
    it('an acknowledged e-stop is 1 with its reason, on the e-stop topic and on the commands copy', () => {
      const example = ROBOT_PAYLOAD_EXAMPLES.emergency_stop_response;
      expect(samples(ingested('emergency_stop_response'))).toEqual([stopped('Operator pressed stop')]);
      expect(samples(ingested('command_response', example))).toEqual([stopped('Operator pressed stop')]);
    });

    it("the robot-side module's emergency_stop_ack counts too", () => {
      const { kind, payload } = ROBOT_PAYLOAD_VARIANTS.moduleEmergencyStopAck;
      expect(samples(ingested(kind, payload))).toEqual([stopped('Operator pressed stop')]);
    });

    it('a stop told only by state.emergency_stopped counts, worded by its message without a reason', () => {
      const { type: _type, reason: _reason, ...payload } = ROBOT_PAYLOAD_EXAMPLES.emergency_stop_response;
      expect(samples(ingested('emergency_stop_response', payload))).toEqual([
        stopped('Emergency stop activated: Operator pressed stop'),
      ]);
    });

    it('a stop given as command_type counts', () => {
      const event = raw('command_response', { success: true, command_type: 'emergency_stop' });
      expect(samples(event)).toEqual([stopped()]);
    });

    it('resume and resume_ack are 0', () => {
      const resume = {
        robot_id: ROBOT,
        command_id: 'rsm_1769250700',
        type: 'resume',
        timestamp: '2026-01-24T10:31:45.123456',
        success: true,
        message: 'Robot resumed from emergency stop (was: Operator pressed stop)',
        previous_reason: 'Operator pressed stop',
        state: { emergency_stopped: false, ready: true },
      };
      expect(samples(ingested('command_response', resume))).toEqual([resumed]);
      expect(samples(ingested('emergency_stop_response', { ...resume, type: 'resume_ack', state: null }))).toEqual([
        resumed,
      ]);
      // A resume that says the robot still reports stopped is still a resume.
      expect(
        samples(raw('command_response', { success: true, type: 'resume', state: { emergency_stopped: true } })),
      ).toEqual([resumed]);
    });

    it('failed acknowledgements say nothing', () => {
      const example = ROBOT_PAYLOAD_EXAMPLES.emergency_stop_response;
      expect(samples(ingested('emergency_stop_response', { ...example, success: false }))).toEqual([]);
      expect(samples(ingested('command_response', { ...example, type: 'resume', success: false }))).toEqual([]);
      const refused = {
        robot_id: ROBOT,
        command_id: 'cmd_01JJ3K6Q5X',
        timestamp: '2026-01-24T10:30:45.123456',
        success: false,
        message: "Robot is emergency stopped. Send 'resume' command first. Reason: Operator pressed stop",
      };
      expect(samples(ingested('command_response', refused))).toEqual([]);
    });

    it('other command answers say nothing about an e-stop', () => {
      expect(samples(ingested('command_response'))).toEqual([]);
      for (const variant of [ROBOT_PAYLOAD_VARIANTS.itemAcknowledgement, ROBOT_PAYLOAD_VARIANTS.statusRequestAnswer]) {
        expect(samples(ingested(variant.kind, variant.payload))).toEqual([]);
      }
    });
  });

  it('kinds alerting does not judge give no samples', () => {
    const judged = new Set(['status', 'battery', 'servos', 'sensors', 'command_response', 'emergency_stop_response']);
    const others = ROBOT_MESSAGE_KINDS.filter((kind) => !judged.has(kind));
    expect(others).toEqual(expect.arrayContaining(['location', 'vision', 'logs', 'job', 'scan']));
    for (const kind of others) expect(samples(ingested(kind))).toEqual([]);
    for (const variant of [
      ROBOT_PAYLOAD_VARIANTS.legacyJob,
      ROBOT_PAYLOAD_VARIANTS.simulatorJob,
      ROBOT_PAYLOAD_VARIANTS.qrScan,
      ROBOT_PAYLOAD_VARIANTS.moduleScan,
    ]) {
      expect(samples(ingested(variant.kind, variant.payload))).toEqual([]);
    }
    expect(samples(raw('weather', { temperature: 30, percentage: 5 }))).toEqual([]);
  });

  it('never turns a value that is not a finite number into a sample', () => {
    const notNumbers: unknown[] = [NaN, Infinity, -Infinity, 'Infinity', 'NaN', '', '   ', 'abc', null, true, {}, []];
    for (const bad of notNumbers) {
      const got = [
        ...samples(raw('battery', { percentage: bad })),
        ...samples(raw('sensors', { sensor_type: 'light_level', value: bad })),
        ...samples(raw('sensors', { sensor_type: 'cpu_temperature', value: bad })),
        ...samples(raw('servos', { servos: { servo_1: { id: 1, temperature: bad, voltage: bad } } })),
        ...samples(
          raw('status', {
            status: 'maintenance',
            system_info: { cpu_percent: bad, memory_percent: bad, disk_usage: bad, temperature: bad },
          }),
        ),
      ];
      expect({ bad, got }).toEqual({ bad, got: [] });
    }
  });

  it('reads zero and negative readings as samples', () => {
    expect(samples(raw('battery', { percentage: 0 }))).toEqual([{ metric: 'battery', source: 'battery', value: 0 }]);
    expect(samples(raw('sensors', { sensor_type: 'gyroscope_z', value: -3.5 }))).toEqual([
      { metric: 'gyroscope_z', source: 'gyroscope_z', value: -3.5 },
    ]);
  });
});
