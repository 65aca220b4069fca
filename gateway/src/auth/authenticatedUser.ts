/** The signed-in user, as every protected route sees it (set by the session middleware). */
export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
  /** Home region: the node id uploads go to first. */
  region: string;
  /** Id of the session the request came with (for logout and "log out elsewhere"). */
  sessionId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthenticatedUser;
  }
}
