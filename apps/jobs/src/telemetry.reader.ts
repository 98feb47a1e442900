import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { TELEMETRY_STREAM, telemetryEventSchema, type TelemetryEvent } from '@fleet/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@fleet/messaging';
import { HealthRegistry, LOGGER, type FailureHealth } from '@fleet/platform';
import { CommandAnswers } from './commands/command-answers';
import { JobTracker } from './job.tracker';

/** The consumer group jobs replicas share: each telemetry event is read by one of them. */
export const JOBS_GROUP = 'jobs';

const BATCH_SIZE = 500;

/**
 * Reads the telemetry stream ingest writes, once for the jobs service: job messages go to the {@link JobTracker},
 * command and emergency-stop answers to {@link CommandAnswers}. Events come at least once, to whichever replica;
 * both apply them idempotently. A batch that fails (the database is away) is read again.
 */
@Injectable()
export class TelemetryReader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;
  private readonly health: FailureHealth;
  private readonly log: Logger;

  constructor(
    @Inject(JobTracker) private readonly jobs: JobTracker,
    @Inject(CommandAnswers) private readonly answers: CommandAnswers,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(FLEET_CONFIG) private readonly config: FleetConfig,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'jobs' });
    this.health = health.track('jobs', 'reading robot messages', { group: JOBS_GROUP });
  }

  onApplicationBootstrap(): void {
    this.subscription = this.bus.subscribe<unknown>(
      TELEMETRY_STREAM,
      JOBS_GROUP,
      `${JOBS_GROUP}-${this.config.instanceId}`,
      async (events) => {
        try {
          await this.read(events.map((e) => e.data));
          this.health.succeeded();
        } catch (error) {
          this.health.failed(error);
          this.log.warn({ err: error, events: events.length }, 'cannot apply robot messages; retrying');
          throw error;
        }
      },
      // In memory (the all-in-one process) the stream starts empty with the process: read it from the beginning so
      // nothing ingest publishes before this subscription exists is missed. A Redis group keeps its position.
      { batchSize: BATCH_SIZE, from: this.config.redis.url ? 'end' : 'beginning' },
    );
    // Not awaited: with the event bus down the service still starts, and its health says what is down.
    void this.subscription.ready.then(() => this.log.debug({ group: JOBS_GROUP }, 'reading robot messages'));
  }

  /** Resolves once the consumer group exists: robot messages published from then on are read. */
  get ready(): Promise<void> {
    return this.subscription?.ready ?? Promise.resolve();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** Applies a batch of telemetry events; the job messages first, then the answers. */
  async read(batch: readonly unknown[]): Promise<void> {
    const events: TelemetryEvent[] = [];
    for (const item of batch) {
      const parsed = telemetryEventSchema.safeParse(item);
      if (parsed.success) events.push(parsed.data);
    }
    await this.jobs.track(events.filter((e) => e.kind === 'job'));
    await this.answers.track(
      events.filter((e) => e.kind === 'command_response' || e.kind === 'emergency_stop_response'),
    );
  }
}
