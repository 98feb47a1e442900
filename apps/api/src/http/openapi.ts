import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

const PLACE = ['path', 'query', 'header', 'cookie'];

/** The OpenAPI 3 document of every route the process serves, built from the routes' zod schemas. */
export function openApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Fleet API')
    .setDescription(
      'Monitor and operate fleets of robots. Sign in with POST /api/v1/auth/login and send ' +
        '`Authorization: Bearer <access_token>`. Errors share one shape: {statusCode, error, message, details?, requestId}.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Ordering is not part of the contract, and compilers apply parameter decorators in different orders: keep the
  // file stable.
  document.paths = Object.fromEntries(Object.entries(document.paths).sort(([a], [b]) => a.localeCompare(b)));
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as { parameters?: { in?: string; name?: string }[] }[]) {
      operation.parameters?.sort((a, b) => PLACE.indexOf(a.in ?? '') - PLACE.indexOf(b.in ?? ''));
    }
  }
  return document;
}

/** Swagger UI at `/api/docs`, the document at `/api/docs/openapi.json`. */
export function mountApiDocs(app: NestFastifyApplication): void {
  SwaggerModule.setup('api/docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'api/docs/openapi.json',
    yamlDocumentUrl: 'api/docs/openapi.yaml',
  });
}
