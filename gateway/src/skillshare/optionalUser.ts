import type { RequestHandler } from 'express';

/**
 * Runs `requireUser` and carries on whatever it decides: with a valid session req.user is set,
 * without one (or with an expired one) the request goes on as a visitor's. Only for reads that
 * are public but tailored to a signed-in user.
 */
export function optionalUser(requireUser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    let done = false;
    const proceed = () => {
      if (done) return;
      done = true;
      next();
    };
    try {
      // requireUser answers by calling next(err) or by rejecting; either way the visitor goes on.
      Promise.resolve(requireUser(req, res, proceed)).catch(proceed);
    } catch {
      proceed();
    }
  };
}
