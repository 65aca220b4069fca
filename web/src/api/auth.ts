/** The auth endpoints (gateway/src/auth/*Routes.ts); answer shapes from the gateway's contract. */
import type { PublicUser, SessionInfo, SignedIn } from '../../../gateway/src/api/auth';
import { request } from './http';

export type { PublicUser, SessionInfo, SignedIn };

export type CodePurpose = 'signup' | 'reset';

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
  region?: string;
}

export const register = (input: RegisterInput) => request<{ message: string }>('POST', '/api/auth/register', input);

export const verifyEmail = (email: string, code: string) =>
  request<{ verified: true }>('POST', '/api/auth/verify-email', { email, code });

export const login = (email: string, password: string) =>
  request<{ challengeId: string }>('POST', '/api/auth/login', { email, password });

export const verifyLogin = (challengeId: string, code: string) =>
  request<SignedIn>('POST', '/api/auth/login/verify', { challengeId, code });

/** A login code is resent by challenge id; sign-up and reset codes by address. */
export const resendCode = (target: { challengeId: string } | { email: string; purpose: CodePurpose }) =>
  request<{ message: string }>('POST', '/api/auth/resend-code', target);

export const logout = () => request<{ loggedOut: true }>('POST', '/api/auth/logout');

export const forgotPassword = (email: string) => request<{ message: string }>('POST', '/api/auth/password/forgot', { email });

export const resetPassword = (email: string, code: string, password: string) =>
  request<{ message: string }>('POST', '/api/auth/password/reset', { email, code, password });

export const changePassword = (currentPassword: string, newPassword: string) =>
  request<SignedIn>('POST', '/api/auth/password/change', { currentPassword, newPassword });

export const fetchMe = () => request<{ user: PublicUser }>('GET', '/api/auth/me');

export const fetchSessions = () => request<{ sessions: SessionInfo[] }>('GET', '/api/auth/sessions');

export const revokeOtherSessions = () => request<{ revoked: number }>('POST', '/api/auth/sessions/revoke-others');
