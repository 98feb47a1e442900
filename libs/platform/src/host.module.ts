import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import type { Logger } from 'pino';
import { CLOCK, type Clock } from './clock';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health.registry';
import { HttpSetup } from './http-setup';
import { LOGGER } from './logger';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RESOURCES, Resources } from './resources';
import { SERVICE_NAME } from './tokens';

export interface HostOptions {
  service: string;
  config: FleetConfig;
  logger: Logger;
  resources: Resources;
  clock: Clock;
}

/**
 * Closes what the process opened (pools, connections, embedded servers), newest first. It runs in
 * `onApplicationShutdown`, the last hook: services finish their work in `beforeApplicationShutdown`, which NestJS
 * calls on every module first.
 */
@Injectable()
class ResourcesLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(RESOURCES) private readonly resources: Resources,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationShutdown(): Promise<void> {
    return this.resources.closeAll(this.logger);
  }
}

/** Configuration, logger, health registry and metrics: what every module of the process may inject. */
@Global()
@Module({})
class CoreModule {
  static forRoot(options: HostOptions): DynamicModule {
    const providers = [
      { provide: FLEET_CONFIG, useValue: options.config },
      { provide: LOGGER, useValue: options.logger },
      { provide: SERVICE_NAME, useValue: options.service },
      { provide: RESOURCES, useValue: options.resources },
      { provide: CLOCK, useValue: options.clock },
      HealthRegistry,
      MetricsService,
      HttpSetup,
    ];
    return {
      module: CoreModule,
      providers: [...providers, ResourcesLifecycle],
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}

/**
 * The process around an application's root module: shared providers plus `/health`, `/health/ready` and
 * `/metrics`, registered once however many root modules the process runs (the all-in-one process runs five).
 */
@Module({})
export class HostModule {
  static forRoot(options: HostOptions, root: Type): DynamicModule {
    return {
      module: HostModule,
      imports: [CoreModule.forRoot(options), TerminusModule.forRoot({ logger: false }), root],
      controllers: [HealthController, MetricsController],
    };
  }
}
