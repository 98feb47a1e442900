export * from './telemetry-store';
export {
  InfluxError,
  InfluxHttp,
  type InfluxConnectionOptions,
  type InfluxResult,
  type InfluxSeries,
} from './influx-http';
export {
  InfluxTelemetryStore,
  RETENTION_POLICY,
  retentionMs,
  type InfluxTelemetryOptions,
} from './influx-telemetry.store';
export { checkHistoryQuery } from './history-query';
export { columnsText, type ColumnsText } from './history-text';
export { RollupHistory, splitHistory, type HistorySplit } from './rollups/rollup-history';
export type { RollupCoverage } from './rollups/rollup-coverage';
export { LineProtocolError, storedName, toLineProtocol } from './line-protocol';
export {
  PostgresTelemetryStore,
  parseSeriesKey,
  seriesKey,
  type PostgresTelemetryOptions,
} from './postgres-telemetry.store';
export { type PartitionMaintenance } from './telemetry-partitions';
export { INFLUX, TELEMETRY_STORE, TelemetryModule } from './telemetry.module';
export { type InfluxField, type MinuteRollup } from './rollups/influx-rollups';
export {
  MINUTE_RESOLUTION_MAX_MS,
  planRead,
  RollupReader,
  type ReadPlan,
  type Resolution,
  type RollupCondition,
  type RollupQuery,
  type SeriesSummary,
  type TimelineBucket,
} from './rollups/rollup-reader';
export {
  RollupMaintainer,
  type MinuteRollupSource,
  type RollupMaintainerOptions,
  type RollupRun,
} from './rollups/rollup-maintainer';
export {
  bucketStart,
  HOUR_MS,
  LATE_GRACE_MS,
  lateBuckets,
  markRollups,
  SETTLE_MS,
  type RollupMark,
  type RollupTier,
} from './rollups/rollup-tiers';
