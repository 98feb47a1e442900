import { z } from 'zod';
import { emergencyStopMessageSchema } from './emergency-stop.schema';
import { ROBOT_PAYLOAD_EXAMPLES, ROBOT_PAYLOAD_VARIANTS } from './examples';
import { itemsReplySchema } from './items-reply.schema';
import { robotCommandSchema } from './robot-command.schema';
import { robotConfigMessageSchema } from './robot-config.schema';
import { ROBOT_PAYLOAD_SCHEMAS } from './robot-message';
import {
  ROBOT_INBOUND_TOPICS,
  ROBOT_MESSAGE_KINDS,
  ROBOT_OUTBOUND_TOPICS,
  RESERVED_ROBOT_IDS,
  type RobotMessageKind,
} from './robot-topics';

/** Version of the robot contract described by the document; raise it when a topic or payload changes. */
export const ROBOT_CONTRACT_VERSION = '1.0.0';

type Json = Record<string, unknown>;

const INBOUND: { readonly [K in RobotMessageKind]: { key: string; title: string; summary: string } } = {
  sensors: {
    key: 'sensors',
    title: 'Sensor reading',
    summary: 'One sensor reading (IMU axis, distance, light, CPU temperature).',
  },
  status: {
    key: 'status',
    title: 'Robot status',
    summary: 'Online/offline/emergency-stopped state with host vital signs, address and camera URL.',
  },
  servos: { key: 'servos', title: 'Servo readings', summary: 'Position, temperature and voltage of every bus servo.' },
  battery: {
    key: 'battery',
    title: 'Battery',
    summary: 'Charge in percent and voltage; the robot id is only in the payload.',
  },
  location: { key: 'location', title: 'Location', summary: 'Position x, y, z; the robot id is only in the payload.' },
  vision: {
    key: 'vision',
    title: 'Vision detection',
    summary: 'One detection: label, confidence, bounding box, navigation hint.',
  },
  logs: { key: 'logs', title: 'Robot log line', summary: "A line from the robot's own log." },
  job: {
    key: 'job',
    title: 'Job progress',
    summary: 'Job status and progress; also the legacy {percent, status: "working"} form.',
  },
  scan: {
    key: 'scan',
    title: 'QR scan',
    summary: 'A QR code the robot read (qr_data, qr or qr_code); answered on tonypi/items/{robotId}.',
  },
  command_response: {
    key: 'commandResponse',
    title: 'Command response',
    summary: "A robot's answer to a command or items reply.",
  },
  emergency_stop_response: {
    key: 'emergencyStopResponse',
    title: 'Emergency stop acknowledgement',
    summary: "A robot's acknowledgement of an emergency stop.",
  },
};

function payloadSchema(schema: z.ZodType): Json {
  // Robots send what the schema accepts, so the input side is documented (numeric strings, optional defaults).
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      // The format says it; zod's equivalent pattern is a page of regular expression.
      if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
    },
  });
  return rest;
}

function ref(path: string): Json {
  return { $ref: `#/${path}` };
}

const ROBOT_ID_PARAMETER = {
  description: `The robot id: letters, digits and _ . : - (at most 50 characters); ${RESERVED_ROBOT_IDS.join(' and ')} are reserved.`,
};

function channel(address: string, messageKey: string, description: string): Json {
  return {
    address,
    description,
    ...(address.includes('{robotId}') ? { parameters: { robotId: ROBOT_ID_PARAMETER } } : {}),
    messages: { [messageKey]: ref(`components/messages/${messageKey}`) },
  };
}

function message(name: string, title: string, summary: string, schema: z.ZodType, examples: Json[]): Json {
  return {
    name,
    title,
    summary,
    contentType: 'application/json',
    payload: payloadSchema(schema),
    ...(examples.length > 0 ? { examples } : {}),
  };
}

function inboundExamples(kind: RobotMessageKind): Json[] {
  const variants = Object.entries(ROBOT_PAYLOAD_VARIANTS)
    .filter(([, v]) => v.kind === kind)
    .map(([name, v]) => ({ name, payload: v.payload }));
  return [{ name: 'tonypiClient', payload: ROBOT_PAYLOAD_EXAMPLES[kind] }, ...variants];
}

const SENT_AT = '2026-01-24T10:30:45.123Z';

/**
 * The AsyncAPI 3.0.0 document of the robot MQTT contract: every topic robots publish (Fleet receives) and every
 * topic Fleet publishes to robots, with payload schemas generated from the zod schemas. Pure and deterministic, so
 * the committed `docs/asyncapi.json` can be checked against it.
 */
export function buildAsyncApiDocument(): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};

  for (const kind of ROBOT_MESSAGE_KINDS) {
    const { key, title, summary } = INBOUND[kind];
    const topic = ROBOT_INBOUND_TOPICS[kind];
    const idNote =
      topic.robotIdIn === 'topic'
        ? 'The robot id is the last topic level; a payload robot_id, when present, must equal it.'
        : 'The topic carries no robot id: the payload robot_id is required.';
    channels[key] = channel(topic.address, key, `${summary} Published by robots. ${idNote}`);
    messages[key] = message(key, title, summary, ROBOT_PAYLOAD_SCHEMAS[kind], inboundExamples(kind));
    operations[`receive${key[0]?.toUpperCase()}${key.slice(1)}`] = {
      action: 'receive',
      channel: ref(`channels/${key}`),
      summary: `Fleet receives: ${summary}`,
      messages: [ref(`channels/${key}/messages/${key}`)],
      ...(kind === 'scan'
        ? { reply: { channel: ref('channels/items'), messages: [ref('channels/items/messages/itemsReply')] } }
        : {}),
    };
  }

  const commandExample = {
    name: 'move',
    payload: { type: 'move', id: 'cmd_01JJ3K6Q5V', direction: 'forward', distance: 1, speed: 0.5, timestamp: SENT_AT },
  };
  const stopExample = {
    name: 'emergencyStop',
    payload: { type: 'emergency_stop', reason: 'Operator pressed stop', id: 'emg_1769250645', timestamp: SENT_AT },
  };
  messages.command = message(
    'command',
    'Command',
    'A command for one robot or all: {type, id, ...params, timestamp}; answered on tonypi/commands/response.',
    robotCommandSchema,
    [commandExample, { name: 'resume', payload: { type: 'resume', id: 'rsm_1769250700', timestamp: SENT_AT } }],
  );
  messages.emergencyStop = message(
    'emergencyStop',
    'Emergency stop',
    'Stops the motors at once; the robot refuses commands until resume.',
    emergencyStopMessageSchema,
    [stopExample],
  );
  messages.itemsReply = message(
    'itemsReply',
    'Items reply',
    "Fleet's answer to a QR scan: whether the code is a known item, and the item.",
    itemsReplySchema,
    [
      {
        name: 'found',
        payload: {
          robot_id: 'tonypi_raspberrypi',
          qr: 'QR12345',
          found: true,
          item: { name: 'Widget A', sku: 'WA-1' },
          timestamp: SENT_AT,
        },
      },
    ],
  );
  messages.robotConfig = message(
    'robotConfig',
    'Robot configuration',
    'One configuration section for a robot.',
    robotConfigMessageSchema,
    [
      {
        name: 'navigation',
        payload: {
          config_type: 'navigation',
          config_data: { max_speed: 1.5, obstacle_avoidance: true },
          timestamp: SENT_AT,
        },
      },
    ],
  );

  const outbound: [string, string, string, string][] = [
    ['commands', ROBOT_OUTBOUND_TOPICS.command, 'command', 'Commands for one robot.'],
    ['commandsBroadcast', ROBOT_OUTBOUND_TOPICS.commandBroadcast, 'command', 'Commands for every robot.'],
    ['emergencyStop', ROBOT_OUTBOUND_TOPICS.emergencyStop, 'emergencyStop', 'Emergency stop of one robot.'],
    [
      'emergencyStopBroadcast',
      ROBOT_OUTBOUND_TOPICS.emergencyStopBroadcast,
      'emergencyStop',
      'Emergency stop of every robot.',
    ],
    ['items', ROBOT_OUTBOUND_TOPICS.items, 'itemsReply', 'Answers to QR scans.'],
    ['config', ROBOT_OUTBOUND_TOPICS.config, 'robotConfig', 'Configuration for one robot.'],
  ];
  const replies: Record<string, Json> = {
    command: {
      channel: ref('channels/commandResponse'),
      messages: [ref('channels/commandResponse/messages/commandResponse')],
    },
    emergencyStop: {
      channel: ref('channels/emergencyStopResponse'),
      messages: [ref('channels/emergencyStopResponse/messages/emergencyStopResponse')],
    },
  };
  for (const [key, address, messageKey, description] of outbound) {
    channels[key] = channel(address, messageKey, `${description} Published by Fleet, subscribed to by robots.`);
    const reply = replies[messageKey];
    operations[`send${key[0]?.toUpperCase()}${key.slice(1)}`] = {
      action: 'send',
      channel: ref(`channels/${key}`),
      summary: `Fleet sends: ${description}`,
      messages: [ref(`channels/${key}/messages/${messageKey}`)],
      ...(reply ? { reply } : {}),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Fleet robot MQTT contract',
      version: ROBOT_CONTRACT_VERSION,
      description:
        'The topics TonyPi robots publish and the topics Fleet publishes to them, compatible with the stock TonyPi ' +
        'robot client. Payloads are JSON objects; robots may add keys, which are kept. Numbers may arrive as ' +
        'numeric strings. Robot timestamps may be ISO 8601 with or without a zone, or epoch seconds or ' +
        'milliseconds; implausible ones are replaced by the time of receipt. With MQTT_TOPIC_PREFIX set, every ' +
        'topic is under that prefix. Generated from libs/contracts: do not edit, run npm run docs:asyncapi.',
    },
    defaultContentType: 'application/json',
    servers: {
      fleet: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        description: 'The broker Fleet uses: its embedded broker, or the one MQTT_URL names.',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

/** The document as committed: 2-space JSON and a final newline. */
export function renderAsyncApiDocument(): string {
  return `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;
}
