export * from './telemetry-store';
export {
  InfluxError,
  InfluxHttp,
  type InfluxConnectionOptions,
  type InfluxResult,
  type InfluxSeries,
} from './influx-http';
export { InfluxTelemetryStore, RETENTION_POLICY, type InfluxTelemetryOptions } from './influx-telemetry.store';
export { LineProtocolError, storedName, toLineProtocol } from './line-protocol';
export {
  PostgresTelemetryStore,
  parseSeriesKey,
  seriesKey,
  type PostgresTelemetryOptions,
} from './postgres-telemetry.store';
export { type PartitionMaintenance } from './telemetry-partitions';
export { INFLUX, TELEMETRY_STORE, TelemetryModule } from './telemetry.module';
