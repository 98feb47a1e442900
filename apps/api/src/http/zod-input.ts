import { Body, Param, type PipeTransform, Query } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';
import { parseOrThrow } from '@fleet/contracts';

type JsonSchema = Record<string, unknown>;

/** The OpenAPI 3 form of a zod schema: requests as clients write them, responses as Fleet sends them. */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Validates one part of a request with its zod schema; a failure is a 422 naming every failing field. */
class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what: string,
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value ?? {}, this.what);
  }
}

type RouteDecorator = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => void;

/** Parameter decorators cannot document a route themselves; this applies a method decorator from one. */
function onMethod(target: object, key: string | symbol | undefined, decorate: RouteDecorator): void {
  if (key === undefined) return;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor) decorate(target, key, descriptor);
}

/**
 * The request body, validated by `schema` and documented in the OpenAPI file.
 *
 * @example
 * create(@ValidBody(robotCreateSchema) input: RobotCreate) {}
 */
export function ValidBody(schema: z.ZodType, what = 'body'): ParameterDecorator {
  return (target, key, index) => {
    Body(new ZodPipe(schema, what))(target, key, index);
    onMethod(target, key, ApiBody({ schema: openApiSchema(schema) }));
  };
}

/** The query string, validated by an object `schema`; each property is documented as one query parameter. */
export function ValidQuery(schema: z.ZodObject, what = 'query'): ParameterDecorator {
  return (target, key, index) => {
    Query(new ZodPipe(schema, what))(target, key, index);
    const json = openApiSchema(schema);
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...rest } = property;
      onMethod(
        target,
        key,
        ApiQuery({
          name,
          required: required.has(name) && rest.default === undefined,
          schema: rest,
          description: typeof description === 'string' ? description : undefined,
        }),
      );
    }
  };
}

/** One path parameter, validated by `schema`. */
export function ValidParam(name: string, schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Param(name, new ZodPipe(schema, `path parameter '${name}'`))(target, key, index);
    onMethod(target, key, ApiParam({ name, schema: openApiSchema(schema) }));
  };
}

/** Documents a route's successful answer with a zod schema (not checked at run time). */
export function Returns(schema: z.ZodType, status = 200, description = 'OK'): RouteDecorator {
  return ApiResponse({ status, description, schema: openApiSchema(schema, 'output') });
}
