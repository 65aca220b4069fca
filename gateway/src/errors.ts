import { GATEWAY_ERRORS, type GatewayErrorCode } from './api/errorCodes';

export { GATEWAY_ERRORS, type GatewayErrorCode };

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: GatewayErrorCode,
    message: string = GATEWAY_ERRORS[code].message,
    /** Extra response headers, e.g. Retry-After for rate limits. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = GATEWAY_ERRORS[code].status;
  }
}

export interface ErrorBody {
  error: { code: GatewayErrorCode; message: string };
}
