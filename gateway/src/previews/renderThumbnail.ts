/**
 * The one place an image becomes a thumbnail (the gateway and `npm run bench:thumbnails` both
 * call it): EXIF orientation applied, then scaled into a square box, metadata dropped (sharp
 * keeps none unless asked: camera GPS positions never reach a thumbnail), WebP out.
 */
import sharp from 'sharp';
import { AppError } from '../errors';

export const THUMBNAIL_SIZES = { small: 128, large: 512 } as const;
export type ThumbnailSize = keyof typeof THUMBNAIL_SIZES;
export const THUMBNAIL_MIME = 'image/webp';

/** What sharp can decode here, by the type a file was stored with. SVG is excluded on purpose. */
export const THUMBNAIL_SOURCE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff']);

/**
 * libvips threads per image. Parallelism comes from decoding several images at once (the
 * generation queue), each on one thread: per image, more threads help little for a JPEG whose
 * decoding is mostly one shrink-on-load pass, and they would take the cores that streams need.
 */
export function configureSharp(threadsPerImage = 1): void {
  sharp.concurrency(threadsPerImage);
  // libvips' operation cache keeps decoded images around; ours are decoded once per version.
  sharp.cache(false);
}

export async function renderThumbnail(input: Buffer, box: number, maxPixels: number): Promise<Buffer> {
  try {
    return await sharp(input, { limitInputPixels: maxPixels, failOn: 'error', animated: false })
      .rotate()
      .resize(box, box, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 78, effort: 2 })
      .toBuffer();
  } catch (error) {
    const message = (error as Error).message;
    if (/pixel limit/i.test(message)) {
      throw new AppError('preview_too_large', `The image is larger than ${Math.round(maxPixels / 1e6)} megapixels: no thumbnail is made of it.`);
    }
    throw new AppError('preview_unavailable', `No preview: the image could not be read (${message}).`);
  }
}
