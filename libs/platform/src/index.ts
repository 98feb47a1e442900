export { createServiceApp, listen, runService, type ServiceHooks, type ServiceOptions } from './bootstrap';
export { HealthRegistry, type DependencyCheck, type HealthDetails } from './health.registry';
export { HostModule } from './host.module';
export { currentLogContext, withLogContext, type LogContext } from './log-context';
export { createLogger, LOGGER, type Logger } from './logger';
export { MetricsService } from './metrics.service';
export { freePort, isProcessAlive, PortInUseError, processStartTime } from './process';
export { RESOURCES, Resources } from './resources';
export { SERVICE_NAME } from './tokens';
