import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

/** Every error a node answers with: a stable code, its HTTP status, a default message. */
export const NODE_ERRORS = {
  invalid_request: { status: 400, message: 'The request is not valid.' },
  unauthenticated: { status: 401, message: 'A valid cluster signature is required.' },
  forbidden: { status: 403, message: 'This caller may not do that.' },
  not_found: { status: 404, message: 'Not found.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  internal: { status: 500, message: 'Something went wrong on this node.' },
} as const;
export type NodeErrorCode = keyof typeof NODE_ERRORS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: NodeErrorCode,
    message: string = NODE_ERRORS[code].message,
  ) {
    super(message);
    this.status = NODE_ERRORS[code].status;
  }
}

export function errorBody(code: NodeErrorCode, message: string): { error: { code: NodeErrorCode; message: string } } {
  return { error: { code, message } };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
};

/** The one place where anything thrown becomes `{ error: { code, message } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (error?.type === 'entity.parse.failed') appError = new AppError('invalid_request', 'The body is not valid JSON.');
    else if (error?.type === 'entity.too.large') appError = new AppError('payload_too_large');
    else {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
      appError = new AppError('internal');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(appError.status).json(errorBody(appError.code, appError.message));
  };
}
