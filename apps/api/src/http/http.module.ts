import { Inject, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { FLEET_CONFIG, type FleetConfig } from '@fleet/config';
import { HttpSetup } from '@fleet/platform';
import helmet from '@fastify/helmet';
import { ApiErrorFilter } from './api-error.filter';
import { mountApiDocs } from './openapi';

/** Security headers, CORS, the one error shape, and the OpenAPI document with Swagger UI at `/api/docs`. */
@Module({ providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }] })
export class HttpModule {
  constructor(@Inject(HttpSetup) setup: HttpSetup, @Inject(FLEET_CONFIG) config: FleetConfig) {
    setup.add(async (app) => {
      await app.register(helmet, {
        contentSecurityPolicy: {
          directives: {
            defaultSrc: ["'self'"],
            // Swagger UI's page needs its inline bootstrap script and styles.
            scriptSrc: ["'self'", "'unsafe-inline'"],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
          },
        },
      });
      const origins = config.api.corsOrigins;
      if (origins.length > 0) {
        app.enableCors({
          origin: origins.includes('*') ? true : origins,
          credentials: !origins.includes('*'),
          exposedHeaders: ['x-request-id', 'retry-after'],
        });
      }
      if (config.api.docs) mountApiDocs(app);
    });
  }
}
