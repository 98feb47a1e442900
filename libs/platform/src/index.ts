export { Access, ACCESS_RULE, roleSatisfies, type AccessRule } from './access';
export { CLOCK, ManualClock, systemClock, type Clock } from './clock';
export { createServiceApp, listen, runService, type ServiceHooks, type ServiceOptions } from './bootstrap';
export { FailureHealth, HealthRegistry, type DependencyCheck, type HealthDetails } from './health.registry';
export { HostModule } from './host.module';
export { currentLogContext, withLogContext, type LogContext } from './log-context';
export { createLogger, LOGGER, type Logger } from './logger';
export { MetricsService } from './metrics.service';
export { freePort, isProcessAlive, PortInUseError, processStartTime } from './process';
export { RESOURCES, Resources } from './resources';
export { SERVICE_NAME } from './tokens';
export { HttpSetup, type HttpSetupStep } from './http-setup';
export {
  checkDecoyPassword,
  checkPassword,
  hashPassword,
  passwordProblem,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type PasswordCheck,
} from './passwords';
