/**
 * Turns an uploaded photo into the profile thumbnail with sharp: square, 320 px, WebP. Only
 * the thumbnail is kept, so a 5 MB camera photo costs the mesh a few kilobytes per replica,
 * and the metadata (EXIF GPS positions among it) is dropped with the original.
 */
import { AppError } from '../../errors';
import { loadSharp } from '../../images/loadSharp';

export const THUMBNAIL_SIZE = 320;
export const THUMBNAIL_MIME = 'image/webp';
/** Decoding is bounded too: a small file may claim a huge canvas (a "pixel bomb"). */
const MAX_INPUT_PIXELS = 40_000_000;

export async function makeThumbnail(input: Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  try {
    return await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      // EXIF orientation applied before the metadata goes, so phone photos stay upright.
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'cover', position: 'attention' })
      .webp({ quality: 80 })
      .toBuffer();
  } catch (error) {
    throw new AppError('invalid_request', `The photo could not be read as an image (${(error as Error).message}). Send a JPEG, PNG, WebP or GIF.`);
  }
}
