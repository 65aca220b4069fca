/** Teacher photos: the teacher uploads (`PUT /teachers/me/photo`), anyone sees the thumbnail. */
import express, { Router } from 'express';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError } from '../../errors';
import { currentUser, parseInput } from '../http';
import type { PhotoStore } from '../photos/photoStore';
import { makeThumbnail, THUMBNAIL_MIME } from '../photos/thumbnail';
import { ThumbnailCache } from '../photos/thumbnailCache';
import { idParams } from '../schemas';
import type { SkillshareStore } from '../store';
import { ownTeacher } from '../teacherProfiles';
import { toUtcIso } from '../time';
import { teacherView } from '../views';

export interface PhotoRouteDeps {
  store: SkillshareStore;
  /** Absent when the gateway runs without a mesh (unit tests): the routes answer 503. */
  photos: PhotoStore | undefined;
  requireUser: RequestHandler;
  writeLimit: RequestHandler;
  now: () => number;
  logger: Logger;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];
const MAX_UPLOAD = '8mb';
/** Some hundreds of thumbnails (tens of kB each): every teacher on a search page, and more. */
const CACHE_BYTES = 16 * 1024 * 1024;

export function photoRoutes({ store, photos, requireUser, writeLimit, now, logger }: PhotoRouteDeps): Router {
  const router = Router();
  const log = logger.child({ component: 'skillshare-photos' });
  const cache = new ThumbnailCache(CACHE_BYTES);
  const available = (): PhotoStore => {
    if (photos === undefined) throw new AppError('unavailable', 'Photos are not available on this gateway.');
    return photos;
  };
  const rawImage: RequestHandler = (req, res, next) => {
    const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!IMAGE_TYPES.includes(type)) return next(new AppError('unsupported_media_type', 'Send the photo as the body, typed image/jpeg, image/png, image/webp, image/gif or image/avif.'));
    express.raw({ type: () => true, limit: MAX_UPLOAD })(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      if ((err as { type?: unknown }).type === 'entity.too.large') return next(new AppError('payload_too_large', `A photo may be at most ${MAX_UPLOAD.replace('mb', ' MB')}.`));
      return next(new AppError('invalid_request', 'The photo could not be read.'));
    });
  };

  router.put('/teachers/me/photo', requireUser, writeLimit, rawImage, async (req, res) => {
    const user = currentUser(req);
    // The profile must exist before bytes go to the mesh; checked again when the reference is written.
    ownTeacher(store.read(), user.id);
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new AppError('invalid_request', 'The photo is empty.');
    const thumbnail = await makeThumbnail(req.body);
    const saved = await available().save(thumbnail, THUMBNAIL_MIME, user.region);
    cache.set(saved.fileId, thumbnail);
    const { teacher, replaced } = await store.update((data) => {
      const own = ownTeacher(data, user.id);
      const updated = { ...own, photo: { ...saved, updatedAt: toUtcIso(now()) } };
      return { result: { teacher: updated, replaced: own.photo ?? null }, next: { ...data, teachers: data.teachers.map((t) => (t.id === own.id ? updated : t)) } };
    });
    log.info({ teacherId: teacher.id, fileId: saved.fileId, bytes: thumbnail.length }, 'teacher photo replaced');
    if (replaced !== null) {
      cache.delete(replaced.fileId);
      void available().remove(replaced);
    }
    res.json({ teacher: teacherView(teacher) });
  });

  router.get('/teachers/:id/photo', async (req, res) => {
    const { id } = parseInput(idParams, req.params);
    const photo = store.read().teachers.find((t) => t.id === id)?.photo;
    if (photo === undefined || photo === null) throw new AppError('not_found', 'This teacher has no photo.');
    let bytes = cache.get(photo.fileId);
    if (bytes === undefined) {
      bytes = await available().read(photo);
      cache.set(photo.fileId, bytes);
    }
    // The URL names the file id (?v=), and a new photo is a new file: safe to cache for long.
    res.set({ 'Content-Type': THUMBNAIL_MIME, 'Cache-Control': 'public, max-age=86400', ETag: `"${photo.fileId}"` });
    res.send(bytes);
  });

  return router;
}
