/**
 * The one place an image becomes a thumbnail (the gateway and `npm run bench:thumbnails` both
 * call it): EXIF orientation applied, then scaled into a square box, metadata dropped (sharp
 * keeps none unless asked: camera GPS positions never reach a thumbnail), WebP out.
 */
import { AppError } from '../errors';
import { loadSharp } from '../images/loadSharp';

export const THUMBNAIL_SIZES = { small: 128, large: 512 } as const;
export type ThumbnailSize = keyof typeof THUMBNAIL_SIZES;
export const THUMBNAIL_MIME = 'image/webp';

/** What sharp can decode here, by the type a file was stored with. SVG is excluded on purpose. */
export const THUMBNAIL_SOURCE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff']);

export async function renderThumbnail(input: Buffer, box: number, maxPixels: number): Promise<Buffer> {
  const sharp = await loadSharp();
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
