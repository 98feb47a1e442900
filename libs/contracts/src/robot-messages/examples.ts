import { ROBOT_INBOUND_TOPICS, type RobotMessageKind } from './robot-topics';

/** The id the TonyPi client gives itself on a Raspberry Pi with the default host name (`tonypi_<hostname>`). */
export const EXAMPLE_ROBOT_ID = 'tonypi_raspberrypi';

/** A timestamp as the TonyPi client writes it: naive local time with microseconds (`datetime.now().isoformat()`). */
export const EXAMPLE_TIMESTAMP = '2026-01-24T10:30:45.123456';

/** A JSON object as a robot publishes it. */
export type RobotPayloadExample = Readonly<Record<string, unknown>>;

/**
 * One realistic payload per inbound topic, key for key as the TonyPi client publishes it (values from a real
 * Raspberry Pi run). Use {@link robotExample} to get one for another robot or time.
 */
export const ROBOT_PAYLOAD_EXAMPLES: { readonly [K in RobotMessageKind]: RobotPayloadExample } = {
  sensors: {
    robot_id: EXAMPLE_ROBOT_ID,
    sensor_type: 'accelerometer_z',
    value: 9.812,
    timestamp: EXAMPLE_TIMESTAMP,
    unit: 'm/s^2',
  },
  status: {
    robot_id: EXAMPLE_ROBOT_ID,
    status: 'online',
    timestamp: EXAMPLE_TIMESTAMP,
    system_info: {
      platform: 'Linux-6.6.51+rpt-rpi-2712-aarch64-with-glibc2.36',
      cpu_percent: 23.5,
      memory_percent: 41.2,
      disk_usage: 38.7,
      temperature: 52.6,
      cpu_temperature: 52.6,
      uptime: 86_412.53,
      hardware_mode: true,
      hardware_sdk: true,
    },
    hardware_available: true,
    ip_address: '192.168.149.1',
    camera_url: 'http://192.168.149.1:8081/?action=stream',
    emergency_stopped: false,
    emergency_reason: null,
  },
  servos: {
    robot_id: EXAMPLE_ROBOT_ID,
    servos: {
      servo_1: {
        id: 1,
        name: 'Left Hip',
        position: 12.2,
        temperature: 45,
        voltage: 5.02,
        torque_enabled: true,
        alert_level: 'normal',
      },
      servo_2: {
        id: 2,
        name: 'Left Knee',
        position: -30.6,
        temperature: 52,
        voltage: 4.98,
        torque_enabled: true,
        alert_level: 'normal',
      },
      servo_3: {
        id: 3,
        name: 'Right Hip',
        position: 11.9,
        temperature: 47,
        voltage: 5.01,
        torque_enabled: true,
        alert_level: 'normal',
      },
      servo_4: {
        id: 4,
        name: 'Right Knee',
        position: -29.7,
        temperature: 63,
        voltage: 4.97,
        torque_enabled: true,
        alert_level: 'warning',
      },
      servo_5: {
        id: 5,
        name: 'Head Pan',
        position: 0,
        temperature: 41,
        voltage: 5.03,
        torque_enabled: true,
        alert_level: 'normal',
      },
      servo_6: {
        id: 6,
        name: 'Head Tilt',
        position: 4.5,
        temperature: 42,
        voltage: 5.03,
        torque_enabled: true,
        alert_level: 'normal',
      },
    },
    servo_count: 6,
    timestamp: EXAMPLE_TIMESTAMP,
  },
  battery: {
    robot_id: EXAMPLE_ROBOT_ID,
    percentage: 87.3,
    voltage: 12.08,
    charging: false,
    timestamp: EXAMPLE_TIMESTAMP,
  },
  location: { robot_id: EXAMPLE_ROBOT_ID, x: 1.5, y: -0.5, z: 0.0, timestamp: EXAMPLE_TIMESTAMP },
  vision: {
    robot_id: EXAMPLE_ROBOT_ID,
    timestamp: EXAMPLE_TIMESTAMP,
    detection: true,
    label: 'cardboard',
    confidence: 0.87,
    bbox: [120, 80, 360, 300],
    center_x: 240,
    frame_width: 640,
    state: 'SEARCHING',
    is_locked: false,
    navigation_command: 'TURN_LEFT',
    error: -80,
  },
  logs: {
    robot_id: EXAMPLE_ROBOT_ID,
    timestamp: EXAMPLE_TIMESTAMP,
    level: 'INFO',
    message: 'Robot running normally. Cycle: 300',
    source: 'telemetry',
  },
  job: {
    robot_id: EXAMPLE_ROBOT_ID,
    timestamp: EXAMPLE_TIMESTAMP,
    task_name: 'Peeling',
    status: 'in_progress',
    phase: 'executing',
    elapsed_time: 42.5,
    estimated_duration: 120.0,
    items_done: 3,
    items_total: 10,
    progress_percent: 30.0,
  },
  scan: {
    robot_id: EXAMPLE_ROBOT_ID,
    timestamp: EXAMPLE_TIMESTAMP,
    qr_data: 'STATION_A',
    station_name: 'Station A',
    action: 'scanned',
  },
  command_response: {
    robot_id: EXAMPLE_ROBOT_ID,
    command_id: 'cmd_01JJ3K6Q5V',
    timestamp: EXAMPLE_TIMESTAMP,
    success: true,
    message: 'Moved forward for 1.0 units',
    new_location: { x: 2.5, y: -0.5, z: 0.0 },
    battery_level: 87.2,
  },
  emergency_stop_response: {
    robot_id: EXAMPLE_ROBOT_ID,
    command_id: 'emg_1769250645',
    type: 'emergency_stop',
    timestamp: EXAMPLE_TIMESTAMP,
    success: true,
    message: 'Emergency stop activated: Operator pressed stop',
    reason: 'Operator pressed stop',
    state: { emergency_stopped: true, motors_stopped: true },
  },
};

/**
 * Other shapes real clients send, by name: the legacy job progress, the older scan keys, the simulator's job and
 * offline status, an answer to an items reply, and the robot-side module's emergency-stop acknowledgement.
 */
export const ROBOT_PAYLOAD_VARIANTS = {
  /** `tonypi/job/{id}` after a confirmed scan: the legacy `{percent, status: "working"}` form. */
  legacyJob: {
    kind: 'job',
    payload: {
      robot_id: EXAMPLE_ROBOT_ID,
      percent: 30.0,
      status: 'working',
      items_done: 3,
      items_total: 10,
      timestamp: EXAMPLE_TIMESTAMP,
    },
  },
  /** `tonypi/job/{id}` from the simulator: start and end times, the last item and a short history. */
  simulatorJob: {
    kind: 'job',
    payload: {
      robot_id: EXAMPLE_ROBOT_ID,
      start_time: '2026-01-24T10:28:00.000001',
      end_time: null,
      items_total: 15,
      items_done: 4,
      percent: 26.67,
      status: 'working',
      last_item: { item_id: 'ITEM_0004', barcode: 'QR48213', status: 'processed', timestamp: EXAMPLE_TIMESTAMP },
      history: [],
      timestamp: EXAMPLE_TIMESTAMP,
    },
  },
  /** `tonypi/scan/{id}` from the early client: the code as `qr`. */
  qrScan: {
    kind: 'scan',
    payload: { robot_id: EXAMPLE_ROBOT_ID, qr: 'QR12345', timestamp: EXAMPLE_TIMESTAMP },
  },
  /** `tonypi/scan/{id}` from the robot-side module: `qr_code` and `station`. */
  moduleScan: {
    kind: 'scan',
    payload: {
      robot_id: EXAMPLE_ROBOT_ID,
      timestamp: EXAMPLE_TIMESTAMP,
      qr_code: 'STATION_B',
      station: 'unknown',
      action: 'navigation_complete',
    },
  },
  /** `tonypi/status/{id}` from the simulator when it stops. */
  offlineStatus: {
    kind: 'status',
    payload: { robot_id: EXAMPLE_ROBOT_ID, status: 'offline', timestamp: EXAMPLE_TIMESTAMP },
  },
  /** `tonypi/commands/response` answering an items reply: no `command_id`. */
  itemAcknowledgement: {
    kind: 'command_response',
    payload: {
      robot_id: EXAMPLE_ROBOT_ID,
      timestamp: EXAMPLE_TIMESTAMP,
      success: true,
      item: { name: 'Widget A', sku: 'WA-1' },
      message: 'Item info',
    },
  },
  /** `tonypi/commands/response` with the status a robot reports on request. */
  statusRequestAnswer: {
    kind: 'command_response',
    payload: {
      robot_id: EXAMPLE_ROBOT_ID,
      command_id: 'cmd_01JJ3K6Q5W',
      timestamp: EXAMPLE_TIMESTAMP,
      success: true,
      message: 'Status retrieved',
      data: {
        status: 'online',
        emergency_stopped: false,
        emergency_reason: null,
        battery_level: 87.3,
        location: { x: 1.5, y: -0.5, z: 0.0 },
        sensors: { cpu_temperature: 52.6, light_level: 84 },
        system_info: { cpu_percent: 23.5, memory_percent: 41.2 },
        hardware_available: true,
      },
    },
  },
  /** `tonypi/commands/response` from the robot-side module acknowledging an emergency stop. */
  moduleEmergencyStopAck: {
    kind: 'command_response',
    payload: {
      robot_id: EXAMPLE_ROBOT_ID,
      command_id: 'unknown',
      timestamp: EXAMPLE_TIMESTAMP,
      type: 'emergency_stop_ack',
      success: true,
      message: 'Emergency stop executed',
      reason: 'Operator pressed stop',
    },
  },
} as const satisfies Record<string, { kind: RobotMessageKind; payload: RobotPayloadExample }>;

/**
 * A naive ISO timestamp as the TonyPi client writes it (`YYYY-MM-DDTHH:MM:SS.ffffff`), of `at` in UTC.
 *
 * @example
 * naiveIsoTimestamp(new Date('2026-01-24T10:30:45.123Z')); // '2026-01-24T10:30:45.123000'
 */
export function naiveIsoTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 23)}000`;
}

/**
 * The example of `kind` for another robot and/or time, with the topic to publish it on (without
 * `MQTT_TOPIC_PREFIX`). `at` becomes a naive UTC timestamp, as a client on a UTC host sends it.
 *
 * @example
 * const { topic, payload } = robotExample('battery', { robotId: 'r7', at: new Date() });
 * client.publish(topic, JSON.stringify(payload));
 */
export function robotExample(
  kind: RobotMessageKind,
  options: { robotId?: string; at?: Date; payload?: RobotPayloadExample } = {},
): { topic: string; payload: Record<string, unknown> } {
  const robotId = options.robotId ?? EXAMPLE_ROBOT_ID;
  const source = options.payload ?? ROBOT_PAYLOAD_EXAMPLES[kind];
  const payload = structuredClone(source) as Record<string, unknown>;
  if ('robot_id' in payload) payload.robot_id = robotId;
  if (options.at) payload.timestamp = naiveIsoTimestamp(options.at);
  return { topic: ROBOT_INBOUND_TOPICS[kind].address.replace('{robotId}', robotId), payload };
}
