export * from './telemetry-store';
export { InfluxHttp, type InfluxConnectionOptions } from './influx-http';
export { INFLUX, TelemetryModule } from './telemetry.module';
