/**
 * The one way the dashboard talks to the gateway: JSON in and out, the session cookie sent
 * along, the CSRF token echoed on state-changing requests, and errors turned into ApiError
 * with the gateway's stable code (see gateway/src/errors.ts).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From Retry-After on 429 answers, so that a resend button can count down. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

type UnauthenticatedListener = (error: ApiError) => void;
let onUnauthenticated: UnauthenticatedListener | undefined;

/**
 * The session store registers here: any call that finds the session gone (idle timeout,
 * revoked elsewhere) signs the dashboard out instead of leaving it half-signed-in.
 */
export function setUnauthenticatedListener(listener: UnauthenticatedListener | undefined): void {
  onUnauthenticated = listener;
}

export function notifyIfUnauthenticated(error: ApiError): void {
  if (error.status === 401 && (error.code === 'unauthenticated' || error.code === 'session_expired')) onUnauthenticated?.(error);
}

const CSRF_COOKIE = 'gv_csrf';

export function csrfToken(): string | undefined {
  const match = document.cookie.split('; ').find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return match ? decodeURIComponent(match.slice(CSRF_COOKIE.length + 1)) : undefined;
}

export function csrfHeaders(method: string): Record<string, string> {
  if (['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase())) return {};
  const token = csrfToken();
  return token ? { 'X-CSRF-Token': token } : {};
}

export async function toApiError(res: Response): Promise<ApiError> {
  let code = 'internal';
  let message = `The server answered ${res.status}.`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON (a proxy error page, say): keep the generic message.
  }
  const retryAfter = Number(res.headers.get('Retry-After'));
  return new ApiError(res.status, code, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
}

export async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...csrfHeaders(method), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The gateway cannot be reached. Check your connection and try again.');
  }
  if (!res.ok) {
    const error = await toApiError(res);
    notifyIfUnauthenticated(error);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
