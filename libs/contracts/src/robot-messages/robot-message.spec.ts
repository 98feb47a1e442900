import { ROBOT_PAYLOAD_EXAMPLES, ROBOT_PAYLOAD_VARIANTS } from './examples';
import { decodeRobotMessage, type DecodeResult, type RobotMessageOf } from './robot-message';
import type { RobotTimeOptions } from './robot-time';
import type { RobotMessageKind } from './robot-topics';

const RECEIVED = new Date('2026-01-24T10:31:00.000Z');
const OPTS: RobotTimeOptions = { timezone: 'UTC', maxClockSkewMs: 300_000, maxLateMs: 86_400_000 };
const ID = 'tonypi_raspberrypi';

function decode(topic: string, payload: string | object): DecodeResult {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return decodeRobotMessage(topic, Buffer.from(text, 'utf8'), RECEIVED, OPTS);
}

function accepted<K extends RobotMessageKind>(kind: K, topic: string, payload: string | object): RobotMessageOf<K> {
  const result = decode(topic, payload);
  if (!result.ok) throw new Error(`rejected: ${result.reason}: ${result.detail}`);
  expect(result.message.kind).toBe(kind);
  return result.message as RobotMessageOf<K>;
}

// Payloads below are byte for byte what the TonyPi client's json.dumps() publishes (", " and ": " separators,
// non-ASCII escaped, Python's True/False/None as JSON).
describe('decoding what the TonyPi client publishes', () => {
  it('sensors: one reading per message, with the client time', () => {
    const message = accepted(
      'sensors',
      `tonypi/sensors/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "sensor_type": "accelerometer_x", "value": -0.213, ' +
        '"timestamp": "2026-01-24T10:30:45.123456", "unit": "m/s^2"}',
    );
    expect(message).toEqual({
      kind: 'sensors',
      robotId: ID,
      time: new Date('2026-01-24T10:30:45.123Z'),
      clock: 'ok',
      data: {
        robot_id: ID,
        sensor_type: 'accelerometer_x',
        value: -0.213,
        unit: 'm/s^2',
        timestamp: '2026-01-24T10:30:45.123456',
      },
    });
  });

  it('sensors: integer readings and the units of the first client version', () => {
    const dark = accepted(
      'sensors',
      `tonypi/sensors/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "sensor_type": "light_sensor_dark", "value": 0, ' +
        '"timestamp": "2026-01-24T10:30:45.123456", "unit": "bool"}',
    );
    expect(dark.data.value).toBe(0);
    const celsius = accepted(
      'sensors',
      `tonypi/sensors/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "sensor_type": "cpu_temperature", "value": 52.615, ' +
        '"timestamp": "2026-01-24T10:30:45.123456", "unit": "\\u00b0C"}',
    );
    expect(celsius.data.unit).toBe('°C');
    const unknownUnit = accepted('sensors', `tonypi/sensors/${ID}`, {
      robot_id: ID,
      sensor_type: 'servo_angle',
      value: 12.5,
      timestamp: '2026-01-24T10:30:45.123456',
      unit: '',
    });
    expect(unknownUnit.data.unit).toBe('');
  });

  it('status: vital signs, address, camera and emergency state', () => {
    const message = accepted(
      'status',
      `tonypi/status/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "status": "online", "timestamp": "2026-01-24T10:30:45.123456", ' +
        '"system_info": {"platform": "Linux-6.6.51+rpt-rpi-2712-aarch64-with-glibc2.36", "cpu_percent": 23.5, ' +
        '"memory_percent": 41.2, "disk_usage": 38.7, "temperature": 52.615, "cpu_temperature": 52.615, ' +
        '"uptime": 86412.53018, "hardware_mode": true, "hardware_sdk": true}, "hardware_available": true, ' +
        '"ip_address": "192.168.149.1", "camera_url": "http://192.168.149.1:8081/?action=stream", ' +
        '"emergency_stopped": false, "emergency_reason": null}',
    );
    expect(message.data.status).toBe('online');
    expect(message.data.system_info?.cpu_temperature).toBe(52.615);
    expect(message.data.emergency_reason).toBeNull();
    expect(message.data.camera_url).toBe('http://192.168.149.1:8081/?action=stream');
  });

  it.each([
    'javascript:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'rtsp://192.168.149.1:8554/stream',
    'not a url',
    `http://192.168.149.1:8081/?action=stream&pad=${'x'.repeat(255)}`,
    42,
    { url: 'http://192.168.149.1:8081/' },
  ])(
    'status: an unusable camera_url %j does not cost the message; it is passed on for ingest to report',
    (camera_url) => {
      const message = accepted('status', `tonypi/status/${ID}`, {
        robot_id: ID,
        status: 'online',
        timestamp: '2026-01-24T10:30:45.123456',
        system_info: { cpu_percent: 23.5, memory_percent: 41.2 },
        ip_address: '192.168.149.1',
        camera_url,
      });
      expect(message.data.camera_url).toEqual(camera_url);
      expect(message.data).toMatchObject({
        status: 'online',
        ip_address: '192.168.149.1',
        system_info: { cpu_percent: 23.5, memory_percent: 41.2 },
      });
      expect(message.time).toEqual(new Date('2026-01-24T10:30:45.123Z'));
    },
  );

  it('status: an https camera_url, or null, is kept as sent', () => {
    const camera = (camera_url: unknown) =>
      accepted('status', `tonypi/status/${ID}`, { robot_id: ID, status: 'online', camera_url }).data.camera_url;
    expect(camera('https://cams.example.com/tonypi/stream.mjpg')).toBe('https://cams.example.com/tonypi/stream.mjpg');
    expect(camera(null)).toBeNull();
  });

  it('status: emergency stopped, an unreadable host, and the robot-side module extras', () => {
    const stopped = accepted('status', `tonypi/status/${ID}`, {
      robot_id: ID,
      status: 'emergency_stopped',
      timestamp: '2026-01-24T10:30:45.123456',
      system_info: { error: "[Errno 2] No such file or directory: '/proc/stat'" },
      hardware_available: false,
      ip_address: '192.168.149.1',
      camera_url: 'http://192.168.149.1:8081/?action=stream',
      snapshot_url: 'http://192.168.149.1:8081/?action=snapshot',
      emergency_stop: true,
      emergency_reason: 'Operator pressed stop',
    });
    expect(stopped.data.status).toBe('emergency_stopped');
    expect(stopped.data.system_info).toEqual({ error: "[Errno 2] No such file or directory: '/proc/stat'" });
    // Keys Fleet does not know are kept.
    expect(stopped.data).toMatchObject({ emergency_stop: true, snapshot_url: expect.any(String) as string });
  });

  it('servos: six servos keyed servo_N', () => {
    const message = accepted('servos', `tonypi/servos/${ID}`, ROBOT_PAYLOAD_EXAMPLES.servos);
    expect(Object.keys(message.data.servos)).toEqual([
      'servo_1',
      'servo_2',
      'servo_3',
      'servo_4',
      'servo_5',
      'servo_6',
    ]);
    expect(message.data.servos.servo_4).toEqual({
      id: 4,
      name: 'Right Knee',
      position: -29.7,
      temperature: 63,
      voltage: 4.97,
      torque_enabled: true,
      alert_level: 'warning',
    });
    expect(message.data.servo_count).toBe(6);
  });

  it('battery: the robot id is only in the payload', () => {
    const message = accepted(
      'battery',
      'tonypi/battery',
      '{"robot_id": "tonypi_raspberrypi", "percentage": 87.3, "voltage": 12.08, "charging": false, ' +
        '"timestamp": "2026-01-24T10:30:45.123456"}',
    );
    expect(message).toMatchObject({ robotId: ID, clock: 'ok', data: { percentage: 87.3, voltage: 12.08 } });
  });

  it('location: the robot id is only in the payload', () => {
    const message = accepted(
      'location',
      'tonypi/location',
      '{"robot_id": "tonypi_raspberrypi", "x": 0.0, "y": 0.0, "z": 0.0, "timestamp": "2026-01-24T10:30:45.123456"}',
    );
    expect(message).toMatchObject({ robotId: ID, data: { x: 0, y: 0, z: 0 } });
  });

  it('vision: a detection, and an empty result full of nulls', () => {
    const detection = accepted('vision', `tonypi/vision/${ID}`, ROBOT_PAYLOAD_EXAMPLES.vision);
    expect(detection.data).toMatchObject({ label: 'cardboard', confidence: 0.87, bbox: [120, 80, 360, 300] });
    const nothing = accepted(
      'vision',
      `tonypi/vision/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "timestamp": "2026-01-24T10:30:45.123456", "detection": null, ' +
        '"label": null, "confidence": null, "bbox": null, "center_x": null, "frame_width": 640, ' +
        '"state": "IDLE", "is_locked": false, "navigation_command": null, "error": null}',
    );
    expect(nothing.data).toMatchObject({ detection: null, bbox: null, state: 'IDLE' });
    const module = accepted('vision', `tonypi/vision/${ID}`, {
      robot_id: ID,
      detection: false,
      frame_height: 480,
      bbox: { x1: 1, y1: 2, x2: 3, y2: 4 },
    });
    expect(module.data.bbox).toEqual({ x1: 1, y1: 2, x2: 3, y2: 4 });
  });

  it('logs: levels in any case and the emergency messages with their emoji', () => {
    const message = accepted(
      'logs',
      `tonypi/logs/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "timestamp": "2026-01-24T10:30:45.123456", "level": "WARNING", ' +
        '"message": "\\u26a0\\ufe0f EMERGENCY STOP: Operator pressed stop", "source": "emergency"}',
    );
    expect(message.data).toMatchObject({ level: 'WARNING', message: '⚠️ EMERGENCY STOP: Operator pressed stop' });
    expect(accepted('logs', `tonypi/logs/${ID}`, { level: 'warn', message: 'x' }).data.level).toBe('WARNING');
    expect(accepted('logs', `tonypi/logs/${ID}`, { level: 'Critical', message: 'x' }).data.level).toBe('CRITICAL');
    expect(accepted('logs', `tonypi/logs/${ID}`, { message: 'no level' }).data.level).toBe('INFO');
  });

  it('job: the current form with timing and items', () => {
    const message = accepted(
      'job',
      `tonypi/job/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "timestamp": "2026-01-24T10:30:45.123456", "task_name": "Peeling", ' +
        '"status": "in_progress", "phase": "executing", "elapsed_time": 42.5, "estimated_duration": 120.0, ' +
        '"items_done": 3, "items_total": 10, "progress_percent": 30.0}',
    );
    expect(message.data).toMatchObject({ task_name: 'Peeling', status: 'in_progress', progress_percent: 30 });
    const cancelled = accepted('job', `tonypi/job/${ID}`, {
      robot_id: ID,
      timestamp: '2026-01-24T10:30:45.123456',
      task_name: 'current_task',
      status: 'cancelled',
      phase: 'emergency_stopped',
      reason: 'Operator pressed stop',
    });
    expect(cancelled.data.reason).toBe('Operator pressed stop');
    const started = accepted('job', `tonypi/job/${ID}`, { task_name: 'Transport', status: 'started', phase: null });
    expect(started.data.phase).toBeNull();
  });

  it('job: the legacy {percent, status: "working"} form and the simulator form', () => {
    const legacy = accepted('job', `tonypi/job/${ID}`, ROBOT_PAYLOAD_VARIANTS.legacyJob.payload);
    expect(legacy.data).toMatchObject({ percent: 30, status: 'working', items_done: 3, items_total: 10 });
    const done = accepted('job', `tonypi/job/${ID}`, { robot_id: ID, percent: 100.0, status: 'completed' });
    expect(done.data.percent).toBe(100);
    const simulator = accepted('job', `tonypi/job/${ID}`, ROBOT_PAYLOAD_VARIANTS.simulatorJob.payload);
    expect(simulator.data).toMatchObject({ end_time: null, last_item: { item_id: 'ITEM_0004' }, history: [] });
    expect(accepted('job', `tonypi/job/${ID}`, { percent: 50 }).data.status).toBeUndefined();
  });

  it('scan: qr_data with a station, the early qr, and the module qr_code', () => {
    const current = accepted(
      'scan',
      `tonypi/scan/${ID}`,
      '{"robot_id": "tonypi_raspberrypi", "timestamp": "2026-01-24T10:30:45.123456", "qr_data": "STATION_A", ' +
        '"station_name": null, "action": "scanned"}',
    );
    expect(current.data).toMatchObject({ qr_data: 'STATION_A', station_name: null, action: 'scanned' });
    expect(accepted('scan', `tonypi/scan/${ID}`, ROBOT_PAYLOAD_VARIANTS.qrScan.payload).data.qr).toBe('QR12345');
    expect(accepted('scan', `tonypi/scan/${ID}`, ROBOT_PAYLOAD_VARIANTS.moduleScan.payload).data).toMatchObject({
      qr_code: 'STATION_B',
      station: 'unknown',
    });
  });

  it('command responses: move, status request, the items acknowledgement and a blocked command', () => {
    const move = accepted('command_response', 'tonypi/commands/response', ROBOT_PAYLOAD_EXAMPLES.command_response);
    expect(move).toMatchObject({ robotId: ID, data: { command_id: 'cmd_01JJ3K6Q5V', success: true } });
    const status = accepted(
      'command_response',
      'tonypi/commands/response',
      ROBOT_PAYLOAD_VARIANTS.statusRequestAnswer.payload,
    );
    expect(status.data.data).toMatchObject({ status: 'online', battery_level: 87.3 });
    const item = accepted(
      'command_response',
      'tonypi/commands/response',
      ROBOT_PAYLOAD_VARIANTS.itemAcknowledgement.payload,
    );
    expect(item.data.command_id).toBeUndefined();
    // A command sent without an id is answered with command_id null.
    const blocked = accepted(
      'command_response',
      'tonypi/commands/response',
      '{"robot_id": "tonypi_raspberrypi", "command_id": null, "timestamp": "2026-01-24T10:30:45.123456", ' +
        '"success": false, "message": "Robot is emergency stopped. Send \'resume\' command first. Reason: test"}',
    );
    expect(blocked.data).toMatchObject({ command_id: null, success: false });
    const resumed = accepted('command_response', 'tonypi/commands/response', {
      robot_id: ID,
      command_id: 'rsm_1769250700',
      type: 'resume',
      timestamp: '2026-01-24T10:30:45.123456',
      success: true,
      message: 'Robot resumed from emergency stop (was: test)',
      previous_reason: 'test',
      state: { emergency_stopped: false, ready: true },
    });
    expect(resumed.data.state).toEqual({ emergency_stopped: false, ready: true });
  });

  it('emergency stop acknowledgements, on their own topic and copied to the command responses', () => {
    const ack = accepted(
      'emergency_stop_response',
      'tonypi/emergency_stop/response',
      ROBOT_PAYLOAD_EXAMPLES.emergency_stop_response,
    );
    expect(ack.data).toMatchObject({
      type: 'emergency_stop',
      state: { emergency_stopped: true, motors_stopped: true },
    });
    const copy = accepted(
      'command_response',
      'tonypi/commands/response',
      ROBOT_PAYLOAD_EXAMPLES.emergency_stop_response,
    );
    expect(copy.data.type).toBe('emergency_stop');
    const module = accepted(
      'command_response',
      'tonypi/commands/response',
      ROBOT_PAYLOAD_VARIANTS.moduleEmergencyStopAck.payload,
    );
    expect(module.data.command_id).toBe('unknown');
  });
});
