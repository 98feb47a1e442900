import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '@apps/cli/src/cli';
import {
  buildAsyncApiDocument,
  renderAsyncApiDocument,
  ROBOT_INBOUND_TOPICS,
  ROBOT_MESSAGE_KINDS,
  ROBOT_OUTBOUND_TOPICS,
} from '@fleet/contracts';
import { ROOT } from '../support/process';
import { tempDir } from '../support/temp-dir';

const COMMITTED = join(ROOT, 'docs', 'asyncapi.json');

interface Operation {
  action: 'send' | 'receive';
  channel: { $ref: string };
  messages: { $ref: string }[];
}
interface Document {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, unknown> }>;
  operations: Record<string, Operation>;
  components: { messages: Record<string, { payload: unknown }> };
}

function addressesOf(doc: Document, action: Operation['action']): string[] {
  return Object.values(doc.operations)
    .filter((op) => op.action === action)
    .map((op) => {
      const key = op.channel.$ref.replace('#/channels/', '');
      const channel = doc.channels[key];
      if (!channel) throw new Error(`operation refers to a missing channel ${op.channel.$ref}`);
      return channel.address;
    });
}

/** Every `$ref` in the document points at something in it. */
function danglingRefs(doc: unknown): string[] {
  const dangling: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          let target: unknown = doc;
          for (const part of value.replace(/^#\//, '').split('/')) {
            target = target && typeof target === 'object' ? (target as Record<string, unknown>)[part] : undefined;
          }
          if (target === undefined) dangling.push(value);
        } else visit(value);
      }
    }
  };
  visit(doc);
  return dangling;
}

describe('AsyncAPI document of the robot contract', () => {
  const doc = buildAsyncApiDocument() as unknown as Document;

  it('is committed as generated', async () => {
    const committed = await readFile(COMMITTED, 'utf8').catch(() => '');
    // The message is the instruction a developer needs when this fails.
    expect(
      committed === renderAsyncApiDocument() ? 'current' : 'docs/asyncapi.json is stale: run npm run docs:asyncapi',
    ).toBe('current');
  });

  it('is an AsyncAPI 3.0.0 document whose references all resolve', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(danglingRefs(doc)).toEqual([]);
  });

  it('documents every topic robots publish, as received by Fleet', () => {
    const received = addressesOf(doc, 'receive');
    expect(received.sort()).toEqual(ROBOT_MESSAGE_KINDS.map((kind) => ROBOT_INBOUND_TOPICS[kind].address).sort());
  });

  it('documents every topic Fleet publishes to robots, as sent', () => {
    const sent = addressesOf(doc, 'send');
    expect(sent.sort()).toEqual(Object.values(ROBOT_OUTBOUND_TOPICS).sort());
    expect(sent).toEqual(
      expect.arrayContaining([
        'tonypi/commands/{robotId}',
        'tonypi/commands/broadcast',
        'tonypi/emergency_stop/{robotId}',
        'tonypi/emergency_stop/broadcast',
        'tonypi/items/{robotId}',
        'tonypi/config/{robotId}',
      ]),
    );
  });

  it('gives every message a JSON Schema payload', () => {
    for (const [name, message] of Object.entries(doc.components.messages)) {
      const payload = message.payload as { type?: unknown; anyOf?: unknown; oneOf?: unknown };
      const isSchema = payload.type === 'object' || Array.isArray(payload.anyOf) || Array.isArray(payload.oneOf);
      expect({ name, isSchema, draft: '$schema' in payload }).toEqual({ name, isSchema: true, draft: false });
    }
  });

  it('is what `fleet docs asyncapi` prints and writes', async () => {
    let out = '';
    const print = await runCli(['docs', 'asyncapi'], { env: {}, out: (t) => (out += t), err: () => undefined });
    expect(print).toBe(0);
    expect(out).toBe(renderAsyncApiDocument());

    const dir = await tempDir('fleet-asyncapi');
    try {
      const file = join(dir.path, 'nested', 'asyncapi.json');
      let said = '';
      const write = await runCli(['docs', 'asyncapi', '--out', file], {
        env: {},
        out: (t) => (said += t),
        err: () => undefined,
      });
      expect(write).toBe(0);
      expect(said).toBe(`wrote ${file}\n`);
      expect(await readFile(file, 'utf8')).toBe(renderAsyncApiDocument());
    } finally {
      await dir.remove();
    }
  });
});
