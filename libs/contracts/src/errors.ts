/**
 * Errors that services throw for the caller's mistakes. The API maps them to HTTP status codes
 * (404, 409, 422); anything else is an unexpected failure.
 *
 * @example
 * throw new NotFoundError('robot', 'tonypi_01');
 */
export abstract class FleetError extends Error {
  abstract readonly code: 'not_found' | 'conflict' | 'invalid_input';
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
