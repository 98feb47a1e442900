import { Inject, Injectable, Module } from '@nestjs/common';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { HealthRegistry } from '@fleet/platform';
import { InfluxHttp } from './influx-http';

/** Injection token for the {@link InfluxHttp} client, or null when telemetry lives in Postgres. */
export const INFLUX = Symbol('INFLUX');

@Injectable()
class TelemetryHealth {
  constructor(@Inject(INFLUX) influx: InfluxHttp | null, @Inject(HealthRegistry) health: HealthRegistry) {
    if (influx)
      health.register({ name: 'influxdb', check: async () => ({ target: influx.target, ...(await influx.ping()) }) });
  }
}

/**
 * Where time series go: InfluxDB when `TELEMETRY_STORE=influxdb` (reported as `influxdb` in `/health`), else the
 * same PostgreSQL as the entities.
 */
@Module({
  providers: [
    {
      provide: INFLUX,
      useFactory: (config: FleetConfig) => {
        const { store, influx } = config.telemetry;
        return store === 'influxdb' && influx.url ? new InfluxHttp({ ...influx, url: influx.url }) : null;
      },
      inject: [FLEET_CONFIG],
    },
    TelemetryHealth,
  ],
  exports: [INFLUX],
})
export class TelemetryModule {}
