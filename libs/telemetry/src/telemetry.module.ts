import { Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { MAX_HISTORY_RANGE_DAYS } from '@fleet/contracts';
import { DATABASE, DatabaseModule, type DB } from '@fleet/database';
import { CLOCK, HealthRegistry, LOGGER, RESOURCES, type Clock, type Resources } from '@fleet/platform';
import { InfluxHttp } from './influx-http';
import { InfluxTelemetryStore, retentionMs } from './influx-telemetry.store';
import { PostgresTelemetryStore } from './postgres-telemetry.store';
import { RollupMaintainer } from './rollups/rollup-maintainer';
import { RollupHistory } from './rollups/rollup-history';
import { RollupReader } from './rollups/rollup-reader';
import { markRollups } from './rollups/rollup-tiers';
import type { TelemetryStore } from './telemetry-store';

/** Injection token for the {@link InfluxHttp} client, or null when telemetry lives in Postgres. */
export const INFLUX = Symbol('INFLUX');
/** Injection token for the process's {@link TelemetryStore}. */
export const TELEMETRY_STORE = Symbol('TELEMETRY_STORE');

const PREPARE_RETRY_MS = 5_000;
const MAINTAIN_EVERY_MS = 60 * 60 * 1000;

function createStore(config: FleetConfig, influx: InfluxHttp | null, db: Kysely<DB>, clock: Clock): TelemetryStore {
  const now = () => clock.now();
  if (influx) {
    return new InfluxTelemetryStore(influx, {
      ...config.telemetry.influx,
      now,
      onLateMinutes: (marks) => markRollups(db, marks),
      rollups: new RollupHistory(db, { cacheMs: config.telemetry.historyCacheMs, now: () => clock.now().getTime() }),
    });
  }
  return new PostgresTelemetryStore(db, {
    rawRetentionDays: config.telemetry.rawRetentionDays,
    now,
    historyCacheMs: config.telemetry.historyCacheMs,
  });
}

/**
 * Prepares the store (InfluxDB database and retention policy, or today's partitions) and keeps it prepared: an
 * InfluxDB that is down at start is prepared when it comes up (writes wait meanwhile); Postgres partitions are
 * created ahead and dropped past retention every hour.
 */
@Injectable()
class TelemetryLifecycle implements OnApplicationBootstrap {
  private timer?: NodeJS.Timeout;
  private prepared = false;
  private readonly log: Logger;

  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: TelemetryStore,
    @Inject(INFLUX) influx: InfluxHttp | null,
    @Inject(HealthRegistry) health: HealthRegistry,
    @Inject(RESOURCES) resources: Resources,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'telemetry' });
    const name = influx ? 'influxdb' : 'telemetry_store';
    health.register({
      name,
      check: async () => {
        const details = await this.store.ping();
        if (!this.prepared) throw new Error(`${this.store.target} is reachable but not prepared yet`);
        return { target: this.store.target, ...details };
      },
    });
    resources.add(
      'telemetry maintenance',
      () => Promise.resolve(clearTimeout(this.timer)),
      () => clearTimeout(this.timer),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.prepare(true);
  }

  private async prepare(first: boolean): Promise<void> {
    try {
      if (this.store instanceof PostgresTelemetryStore) await this.store.maintain(new Date());
      else await this.store.prepare();
      if (!this.prepared) this.log.info({ target: this.store.target }, 'telemetry store ready');
      this.prepared = true;
      this.schedule(MAINTAIN_EVERY_MS);
    } catch (error) {
      // Postgres is this process's own database, already migrated: failing here is a real fault.
      if (first && this.store instanceof PostgresTelemetryStore) throw error;
      this.log.warn({ err: error, target: this.store.target }, 'cannot prepare the telemetry store; retrying');
      this.schedule(this.prepared ? MAINTAIN_EVERY_MS : PREPARE_RETRY_MS);
    }
  }

  private schedule(ms: number): void {
    if (this.store instanceof InfluxTelemetryStore && this.prepared) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.prepare(false), ms);
    this.timer.unref();
  }
}

/**
 * Where time series go: InfluxDB when `TELEMETRY_STORE=influxdb` (reported as `influxdb` in `/health/ready`), else the
 * same PostgreSQL as the entities (`telemetry_store`).
 */
@Module({
  imports: [DatabaseModule],
  providers: [
    {
      provide: INFLUX,
      useFactory: (config: FleetConfig) => {
        const { store, influx } = config.telemetry;
        return store === 'influxdb' && influx.url ? new InfluxHttp({ ...influx, url: influx.url }) : null;
      },
      inject: [FLEET_CONFIG],
    },
    { provide: TELEMETRY_STORE, useFactory: createStore, inject: [FLEET_CONFIG, INFLUX, DATABASE, CLOCK] },
    {
      provide: RollupMaintainer,
      useFactory: (store: TelemetryStore, db: Kysely<DB>, clock: Clock, config: FleetConfig) =>
        new RollupMaintainer(db, {
          minutes: store instanceof InfluxTelemetryStore ? store : null,
          now: () => clock.now(),
          // Everything InfluxDB keeps is rolled; with no retention, as far back as a history may reach.
          minuteBackfillMs: retentionMs(config.telemetry.influx.retention) ?? MAX_HISTORY_RANGE_DAYS * 86_400_000,
        }),
      inject: [TELEMETRY_STORE, DATABASE, CLOCK, FLEET_CONFIG],
    },
    { provide: RollupReader, useFactory: (db: Kysely<DB>) => new RollupReader(db), inject: [DATABASE] },
    TelemetryLifecycle,
  ],
  exports: [INFLUX, TELEMETRY_STORE, RollupMaintainer, RollupReader],
})
export class TelemetryModule {}
