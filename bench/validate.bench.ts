// Robot payload validation: zod 4 (what ingest runs) against a compiled validator of the same schemas (ajv 8 on the
// JSON Schema zod derives from them, `io: 'input'`), over the TonyPi client's message mix and over hostile variants
// of it. Prints each one's cost per message and where the two disagree, so the choice is made on figures.
// Run: npm run bench:validate -- [--messages 100000] [--rounds 5]
// Prints one line per figure; the last line is one JSON object.
import { performance } from 'node:perf_hooks';
import type { ValidateFunction } from 'ajv';
import Ajv from 'ajv/dist/2020';
import { z } from 'zod';
import { loadConfig } from '@fleet/config';
import {
  matchRobotTopic,
  parseRobotJson,
  ROBOT_PAYLOAD_SCHEMAS,
  robotIssueMessages,
  type RobotMessageKind,
} from '@fleet/contracts';
import { wholeNumber } from './args';
import { prepareMessages } from './ingest/tonypi-mix';

interface Sample {
  kind: RobotMessageKind;
  raw: Record<string, unknown>;
  /** The field a hostile variant changed. */
  changed?: string;
}

function parseArgs(argv: readonly string[]): { messages: number; rounds: number } {
  const args = { messages: 100_000, rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--messages') args.messages = wholeNumber(flag, value(), 10_000_000);
    else if (flag === '--rounds') args.rounds = wholeNumber(flag, value(), 100);
    else throw new Error(`unknown argument '${argv[i]}' (--messages, --rounds)`);
  }
  return args;
}

/** What a hostile or careless client sends in place of a field's value. */
const HOSTILE: readonly unknown[] = [
  null,
  '',
  'NaN',
  '1e999',
  '0x10',
  ' 12.5 ',
  '12,5',
  true,
  [],
  {},
  Number.MAX_VALUE,
  -0,
  1e21,
  'x'.repeat(300),
  { $gt: 0 },
];

/** Every sample with each of its fields in turn replaced by each hostile value, and with it removed. */
function hostileVariants(samples: readonly Sample[], perKind: number): Sample[] {
  const byKind = new Map<RobotMessageKind, Sample[]>();
  for (const s of samples) {
    const list = byKind.get(s.kind) ?? [];
    if (list.length < perKind) byKind.set(s.kind, [...list, s]);
  }
  const out: Sample[] = [];
  for (const list of byKind.values()) {
    for (const { kind, raw } of list) {
      for (const key of Object.keys(raw)) {
        for (const value of HOSTILE) out.push({ kind, raw: { ...raw, [key]: value }, changed: key });
        const { [key]: _removed, ...rest } = raw;
        out.push({ kind, raw: rest, changed: key });
      }
    }
  }
  return out;
}

function time(rounds: number, samples: readonly Sample[], check: (s: Sample) => boolean): number {
  let accepted = 0;
  for (const s of samples) if (check(s)) accepted++; // warm-up
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const s of samples) if (check(s)) accepted++;
  if (accepted < 0) throw new Error('unreachable');
  return ((performance.now() - start) * 1000) / (rounds * samples.length);
}

const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)} ${value}\n`);

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const prepared = prepareMessages(args.messages, 10, 'validate', loadConfig());
  const samples: Sample[] = prepared.messages.flatMap((m) => {
    const match = matchRobotTopic(m.topic);
    const json = parseRobotJson(m.body);
    return match && json.ok ? [{ kind: match.kind, raw: json.value as Record<string, unknown> }] : [];
  });

  const ajv = new Ajv({ allErrors: false, strict: false });
  const compiled = new Map<RobotMessageKind, ValidateFunction>();
  for (const [kind, schema] of Object.entries(ROBOT_PAYLOAD_SCHEMAS) as [RobotMessageKind, z.ZodType][]) {
    compiled.set(kind, ajv.compile(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })));
  }
  const byZod = (s: Sample) => ROBOT_PAYLOAD_SCHEMAS[s.kind].safeParse(s.raw, { error: robotIssueMessages }).success;
  const byAjv = (s: Sample) => compiled.get(s.kind)?.(s.raw) === true;

  const hostile = hostileVariants(samples, 3);
  const disagree = hostile.filter((s) => byZod(s) !== byAjv(s));
  const mixDisagree = samples.filter((s) => byZod(s) !== byAjv(s)).length;

  const zodMix = time(args.rounds, samples, byZod);
  const ajvMix = time(args.rounds, samples, byAjv);
  const zodHostile = time(args.rounds, hostile, byZod);
  const ajvHostile = time(args.rounds, hostile, byAjv);
  const parse = time(args.rounds, samples, (s) => parseRobotJson(Buffer.from(JSON.stringify(s.raw))).ok);

  line(`TonyPi mix`, `${samples.length.toLocaleString('en-US')} messages`);
  line('  zod 4 safeParse', `${zodMix.toFixed(2)} µs per message`);
  line('  ajv 8 (compiled from the same schemas)', `${ajvMix.toFixed(2)} µs per message`);
  line('  for scale: stringify + parseRobotJson', `${parse.toFixed(2)} µs per message`);
  line('  accepted differently', `${mixDisagree} of ${samples.length}`);
  line(`hostile variants`, `${hostile.length.toLocaleString('en-US')} payloads`);
  line('  zod 4 safeParse', `${zodHostile.toFixed(2)} µs per payload`);
  line('  ajv 8', `${ajvHostile.toFixed(2)} µs per payload`);
  line('  accepted differently', `${disagree.length} of ${hostile.length}`);
  const why = new Map<string, number>();
  for (const s of disagree) {
    const field = s.changed ?? '?';
    const value = field in s.raw ? JSON.stringify(s.raw[field]).slice(0, 24) : '(removed)';
    const key = `${s.kind}.${field} = ${value}: zod ${byZod(s) ? 'accepts' : 'refuses'}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  }
  for (const [key, count] of [...why].sort((a, b) => b[1] - a[1]).slice(0, 12)) line(`    ${key}`, `× ${count}`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'validate',
      messages: samples.length,
      zod_us: Number(zodMix.toFixed(2)),
      ajv_us: Number(ajvMix.toFixed(2)),
      zod_hostile_us: Number(zodHostile.toFixed(2)),
      ajv_hostile_us: Number(ajvHostile.toFixed(2)),
      mix_disagreements: mixDisagree,
      hostile: hostile.length,
      hostile_disagreements: disagree.length,
    })}\n`,
  );
}

main();
