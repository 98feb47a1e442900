import { envSchema, toConfig, type FleetConfig } from './config.schema';

/** A configuration problem; the message names every variable to fix. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}\n` +
        'Fix the environment variables above (see README, Configuration) and start again.',
    );
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

/** Cross-variable rules that a per-variable schema cannot express. */
function crossChecks(config: FleetConfig): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (config.telemetry.store === 'influxdb' && !config.telemetry.influx.url) {
    problems.push({ variable: 'INFLUX_URL', message: 'required when TELEMETRY_STORE=influxdb' });
  }
  if (config.telemetry.influx.username && !config.telemetry.influx.password) {
    problems.push({ variable: 'INFLUX_PASSWORD', message: 'required when INFLUX_USERNAME is set' });
  }
  if (config.mqtt.username === undefined && config.mqtt.password !== undefined) {
    problems.push({ variable: 'MQTT_USERNAME', message: 'required when MQTT_PASSWORD is set' });
  }
  if (!config.mqtt.url) {
    const { port, wsPort } = config.mqtt.broker;
    if (port !== 0 && port === wsPort) {
      problems.push({ variable: 'MQTT_WS_PORT', message: `must differ from MQTT_PORT (both are ${port})` });
    }
  }
  return problems;
}

/**
 * Builds the configuration from environment variables, or throws a {@link ConfigError} naming each bad one.
 *
 * @example
 * const config = loadConfig(); // reads process.env
 * const testConfig = loadConfig({ PORT: '0', DATABASE_URL: 'postgres://localhost/test' });
 */
export function loadConfig(source: Source = process.env): FleetConfig {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: issue.message,
      })),
    );
  }
  const config = toConfig(result.data);
  const problems = crossChecks(config);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The names of every variable Fleet reads, for documentation and checks. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);
