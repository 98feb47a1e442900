/**
 * Errors that services throw for the caller's mistakes. The API maps them to HTTP status codes
 * (404, 409, 422, 401, 403, 429); anything else is an unexpected failure.
 *
 * @example
 * throw new NotFoundError('robot', 'tonypi_01');
 */
export abstract class FleetError extends Error {
  abstract readonly code: 'not_found' | 'conflict' | 'invalid_input' | 'unauthorized' | 'forbidden' | 'rate_limited';
}

export class NotFoundError extends FleetError {
  readonly code = 'not_found';

  constructor(
    readonly entity: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`${entity} '${key}' not found`, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends FleetError {
  readonly code = 'conflict';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** One failing field: `path` is dotted (`system_info.cpu_percent`), `message` says what was expected. */
export interface FieldIssue {
  path: string;
  message: string;
}

export class InvalidInputError extends FleetError {
  readonly code = 'invalid_input';

  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InvalidInputError';
  }
}

/** The caller is not signed in, or its token or credentials are not valid (401). */
export class UnauthorizedError extends FleetError {
  readonly code = 'unauthorized';

  constructor(message = 'sign in first', options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnauthorizedError';
  }
}

/** The caller is signed in but may not do this (403). */
export class ForbiddenError extends FleetError {
  readonly code = 'forbidden';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForbiddenError';
  }
}

/** Too many attempts: the caller may try again after `retryAfterS` seconds (429). */
export class RateLimitedError extends FleetError {
  readonly code = 'rate_limited';

  constructor(
    message: string,
    readonly retryAfterS: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RateLimitedError';
  }
}
