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
