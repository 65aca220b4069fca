import type { Request, Response } from 'express';

/** Left unread after a refusal, a body this small is drained, a larger one cut. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Before refusing an upload whose body is still arriving. Most clients (browsers, fetch) that
 * are still sending when the socket closes report a network error, not our answer: a small
 * body is read to its end first, so the refusal arrives intact on a connection that stays
 * usable. A large or unannounced body is not worth reading: the answer goes at once and the
 * connection closes.
 */
export async function drainOrClose(req: Request, res: Response): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (req.complete || req.destroyed || res.headersSent) return;
  if (!(declared <= DRAIN_LIMIT_BYTES)) {
    res.setHeader('Connection', 'close');
    return;
  }
  req.unpipe();
  const drained = new Promise<void>((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
  });
  req.resume();
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_TIMEOUT_MS)));
  await Promise.race([drained, tooSlow]);
  clearTimeout(timer);
  if (!req.complete) res.setHeader('Connection', 'close');
}
