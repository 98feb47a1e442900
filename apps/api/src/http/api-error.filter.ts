import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FleetError, type FieldIssue } from '@fleet/contracts';
import { LOGGER, type Logger } from '@fleet/platform';

/** The one error shape every route answers with. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: FieldIssue[] | Record<string, unknown>;
  requestId: string;
}

/** Where the TonyPi-compatible routes live. */
export const TONYPI_PREFIX = '/tonypi/';

const STATUS: Record<FleetError['code'], number> = {
  invalid_input: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
};

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * Maps what a route throws to `{statusCode, error, message, details?, requestId}`: Fleet's typed errors to
 * 401/403/404/409/422/429, HTTP errors (unknown route, malformed JSON, oversize body) to theirs, and anything else
 * to a 500 that is logged with the request id and tells the caller nothing internal (a 501, a route not served
 * yet, is logged as a warning).
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception, request.id);
    if (exception instanceof FleetError && exception.code === 'rate_limited' && 'retryAfterS' in exception) {
      void reply.header('retry-after', String(exception.retryAfterS));
    }
    if (body.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
    // The TonyPi dashboard shows `detail`; its routes get it beside the usual fields.
    const answer = request.url.startsWith(TONYPI_PREFIX) ? { ...body, detail: body.message } : body;
    void reply.status(body.statusCode).send(answer);
  }

  private toBody(exception: unknown, requestId: string): ApiErrorBody {
    if (exception instanceof FleetError) {
      const statusCode = STATUS[exception.code];
      const details = 'issues' in exception && Array.isArray(exception.issues) ? exception.issues : undefined;
      return { statusCode, error: REASON[statusCode] ?? 'Error', message: exception.message, details, requestId };
    }
    const statusCode = httpStatus(exception);
    if (statusCode !== undefined && statusCode < 500) {
      return { statusCode, error: REASON[statusCode] ?? 'Error', message: clientMessage(exception), requestId };
    }
    const status = statusCode ?? 500;
    // A route that is not served yet answers 501 by design: worth a note, not an alarm.
    if (status === 501) this.logger.warn({ requestId, reason: clientMessage(exception) }, 'route not served yet');
    else this.logger.error({ err: exception, requestId }, 'request failed');
    return {
      statusCode: status,
      error: REASON[status] ?? 'Error',
      message: status === 501 || status === 503 ? clientMessage(exception) : 'internal error; see the logs',
      requestId,
    };
  }
}

/** Nest's HTTP exceptions and Fastify's own errors (bad JSON, body too large) both carry a status. */
function httpStatus(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

function clientMessage(exception: unknown): string {
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  return exception instanceof Error ? exception.message : String(exception);
}
