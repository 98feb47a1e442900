// `POST /api/v1/commands` under load, from a worker thread so the HTTP clients do not share the API's event loop.
// This file is both the caller's side (postCommands) and the worker's (run when loaded as the poster's worker).
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const WORKER_KIND = 'fleet-bench-command-poster';

export interface PostPlan {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  token: string;
  /** The target of each command, in order. */
  robotIds: readonly string[];
  type: string;
  /** Concurrent HTTP clients, each sending its next command once the previous one is answered. */
  connections: number;
  /** Commands per second, each sent at its time; without it, as fast as the clients go. */
  rate?: number;
}

export interface Posted {
  robotId: string;
  /** HTTP status; 0 when the request failed without an answer. */
  status: number;
  /** The command id of a 202, else what the API (or the connection) said, shortened. */
  id?: string;
  problem?: string;
  /** When the request was started, in milliseconds since the epoch (with fractions). */
  startedAt: number;
  latencyMs: number;
}

export interface PostRun {
  posted: Posted[];
  /** Epoch milliseconds of the first request's start and the last answer. */
  startedAt: number;
  endedAt: number;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across threads. */
export const epochNow = () => performance.timeOrigin + performance.now();

/** Sends every command of `plan` from a worker thread; resolves with each answer, in order. */
export function postCommands(plan: PostPlan): Promise<PostRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { kind: WORKER_KIND, plan } });
    let result: PostRun | undefined;
    worker.once('message', (message: PostRun) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`the command poster exited (${code}) without a result`)),
    );
  });
}

async function post(plan: PostPlan, robotId: string): Promise<Posted> {
  const startedAt = epochNow();
  try {
    const response = await fetch(`${plan.url}/api/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${plan.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ robot_ids: [robotId], type: plan.type }),
    });
    const text = await response.text();
    const latencyMs = epochNow() - startedAt;
    if (response.status === 202) {
      const { id } = JSON.parse(text) as { id: string };
      return { robotId, status: 202, id, startedAt, latencyMs };
    }
    return { robotId, status: response.status, problem: text.slice(0, 300), startedAt, latencyMs };
  } catch (error) {
    return { robotId, status: 0, problem: String(error), startedAt, latencyMs: epochNow() - startedAt };
  }
}

async function runPlan(plan: PostPlan): Promise<PostRun> {
  const posted: Posted[] = new Array<Posted>(plan.robotIds.length);
  let next = 0;
  const startedAt = epochNow();
  const client = async () => {
    for (let i = next++; i < plan.robotIds.length; i = next++) {
      if (plan.rate) {
        const wait = startedAt + (i * 1000) / plan.rate - epochNow();
        if (wait > 0) await new Promise((done) => setTimeout(done, wait));
      }
      posted[i] = await post(plan, plan.robotIds[i]);
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, client));
  return { posted, startedAt, endedAt: epochNow() };
}

const data = workerData as { kind?: string; plan?: PostPlan } | null;
if (!isMainThread && data?.kind === WORKER_KIND && data.plan && parentPort) {
  const port = parentPort;
  void runPlan(data.plan).then((run) => port.postMessage(run));
}
