import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { loadConfig } from '@fleet/config';
import { HostModule, Resources, systemClock } from '@fleet/platform';
import { ApiModule } from './api.module';
import { openApiDocument } from './http/openapi';

/**
 * The API's OpenAPI document as committed in docs/openapi.json. The application is created in preview mode: its
 * routes are read from the code, and no database, broker or Redis is touched.
 */
export async function renderOpenApi(): Promise<string> {
  const config = loadConfig({});
  const logger = pino({ level: 'silent' });
  const app = await NestFactory.create<NestFastifyApplication>(
    HostModule.forRoot({ service: 'api', config, logger, resources: new Resources(), clock: systemClock }, ApiModule),
    new FastifyAdapter(),
    { preview: true, logger: false },
  );
  try {
    return `${JSON.stringify(openApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
