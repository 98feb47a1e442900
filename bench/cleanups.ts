/** Runs each clean-up step once, newest first, whatever happened, also when the run is interrupted. */
export class Cleanups {
  private readonly steps: (() => Promise<unknown>)[] = [];
  private running?: Promise<void>;

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    return (this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        await step().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
      }
    })());
  }
}

/**
 * Cleans up and exits (code 130) on Ctrl-C or SIGTERM until `release()`; `stopping` tells the run, which should then
 * leave the clean-up to this handler.
 */
export function cleanUpOnSignal(cleanups: Cleanups): { readonly stopping: boolean; release(): void } {
  let stopping = false;
  const interrupted = (signal: NodeJS.Signals) => {
    stopping = true;
    process.stderr.write(`${signal}: cleaning up\n`);
    void cleanups.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return {
    get stopping() {
      return stopping;
    },
    release() {
      process.removeListener('SIGINT', interrupted);
      process.removeListener('SIGTERM', interrupted);
    },
  };
}
