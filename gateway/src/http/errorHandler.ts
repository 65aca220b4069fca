import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, type ErrorBody } from '../errors';

export function errorBody(error: AppError): ErrorBody {
  return { error: { code: error.code, message: error.message } };
}

/** body-parser and friends signal with `type`/`status`; map the ones a client can cause. */
function fromFrameworkError(error: unknown): AppError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') return new AppError('invalid_request', 'The body is not valid JSON.');
  if (type === 'entity.too.large') return new AppError('payload_too_large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new AppError('unsupported_media_type');
  if (type === 'request.aborted' || type === 'request.size.invalid') return new AppError('invalid_request');
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('invalid_request');
  return undefined;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
};

/** The one place where anything thrown becomes `{ error: { code, message } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let appError = error instanceof AppError ? error : fromFrameworkError(error);
    if (!appError) {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
      appError = new AppError('internal');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.set(appError.headers).status(appError.status).json(errorBody(appError));
  };
}
