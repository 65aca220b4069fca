/** The auth API's answers (DESIGN §7–8); the dashboard imports these types only. */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  region: string;
  emailVerified: boolean;
  createdAt: string;
}

/** POST /api/auth/login/verify and /api/auth/password/change. */
export interface SignedIn {
  token: string;
  csrfToken: string;
  user: PublicUser;
}

/** One entry of GET /api/auth/sessions. */
export interface SessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string;
  current: boolean;
}
