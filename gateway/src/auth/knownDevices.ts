import type { Request, Response } from 'express';
import type { UserRecord } from '../store/accountsSchema';
import type { AuthPolicy } from './authPolicy';
import { presentedDeviceToken, setDeviceCookie } from './credentials';
import { newToken, sha256Hex } from './secrets';

/** Devices remembered per account; the one unused longest is forgotten first. */
const MAX_KNOWN_DEVICES = 20;

/**
 * Remembers the device a sign-in comes from (its device cookie, set here when missing) and
 * says whether the owner should be told. The first device an account ever signs in from is
 * the one it was just created on (or, for accounts older than this list, the one already in
 * use), so only later unseen devices count as new. The caller commits the user record.
 */
export function recognizeDevice(req: Request, res: Response, user: UserRecord, now: number, policy: AuthPolicy): { isNew: boolean } {
  const token = presentedDeviceToken(req) ?? newToken();
  // Set on every sign-in, so the cookie's lifetime runs from the last use.
  setDeviceCookie(req, res, token, policy);
  const hash = sha256Hex(`device:${token}`);
  const devices = user.knownDevices ?? [];
  const known = devices.find((device) => device.hash === hash);
  const firstDevice = devices.length === 0;
  if (known) known.lastSeenAt = now;
  else devices.push({ hash, lastSeenAt: now });
  user.knownDevices = devices.sort((a, b) => a.lastSeenAt - b.lastSeenAt).slice(-MAX_KNOWN_DEVICES);
  return { isNew: !known && !firstDevice };
}
