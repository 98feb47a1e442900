// Summarises a V8 CPU profile (`node --cpu-prof`): the functions that took the most time themselves, and the share
// of garbage collection, idle time and the rest.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time in ms, idle included. */
  totalMs: number;
  /** Time not idle, in ms. */
  busyMs: number;
  /** Shares of busy time. */
  gcShare: number;
  top: { name: string; selfMs: number; share: number }[];
}

/** Where a frame is, as a person reads it: `name (file:line)`, with node_modules packages named by package. */
function frameName(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1];
  const where = pkg ?? (frame.url.startsWith('node:') ? frame.url : basename(frame.url));
  return `${name} (${where}:${frame.lineNumber + 1})`;
}

export function summariseProfile(path: string, top = 10): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    total += us;
    if (frame.functionName === '(idle)') idle += us;
    else if (frame.functionName === '(garbage collector)') gc += us;
    const name = frameName(frame);
    byName.set(name, (byName.get(name) ?? 0) + us);
  }
  const busy = total - idle;
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    gcShare: busy > 0 ? gc / busy : 0,
    top: [...byName]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: busy > 0 ? us / busy : 0 })),
  };
}
