export { envSchema, type FleetConfig } from './config.schema';
export { CONFIG_VARIABLES, ConfigError, loadConfig } from './load-config';
export { FLEET_CONFIG } from './tokens';
