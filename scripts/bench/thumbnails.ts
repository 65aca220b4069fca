import os from 'node:os';
import sharp from 'sharp';
import { GenerationQueue } from '../../gateway/src/previews/generationQueue';
import { configureSharp } from '../../gateway/src/images/loadSharp';
import { renderThumbnail, THUMBNAIL_SIZES, type ThumbnailSize } from '../../gateway/src/previews/renderThumbnail';
import { arg } from './args';

/**
 * Thumbnail generation rate for 12-megapixel JPEGs (issue 13), through the gateway's own code
 * (renderThumbnail, one libvips thread per image, images in parallel through GenerationQueue):
 * one at a time (per core) and one per core at once. The baseline, measured in the same run,
 * is decoding the same JPEG whole to pixels once: what a thumbnail would cost without the
 * JPEG shrink-on-load that `resize` gets from sharp.
 * Usage: npm run bench:thumbnails [-- --seconds 10 --size small|large]
 */
const seconds = Number(arg('seconds', '10'));
const size = arg('size', 'small') as ThumbnailSize;
const WIDTH = 4000;
const HEIGHT = 3000;
const MAX_PIXELS = 100_000_000;
const progress = (message: string) => process.stderr.write(`[bench:thumbnails] ${message}\n`);

/**
 * A camera-like 12 MP JPEG: smooth gradients with sensor-like noise on top (noise alone
 * compresses worse than a photo, gradients alone far better), quality 90, tagged orientation 6.
 */
async function cameraJpeg(): Promise<Buffer> {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  let seed = 42;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed % 41) - 20;
  };
  for (let y = 0; y < HEIGHT; y += 1) {
    for (let x = 0; x < WIDTH; x += 1) {
      const i = (y * WIDTH + x) * 3;
      const wave = Math.sin(x / 97) * Math.cos(y / 71);
      pixels[i] = clamp((x / WIDTH) * 200 + 40 * wave + noise());
      pixels[i + 1] = clamp((y / HEIGHT) * 180 + 30 * wave + noise());
      pixels[i + 2] = clamp(120 + 80 * Math.sin((x + y) / 300) + noise());
    }
  }
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

/** Runs `task` from `parallel` loops for the given time; returns completions per second. */
async function rate(parallel: number, task: () => Promise<unknown>): Promise<number> {
  const queue = new GenerationQueue(parallel, parallel, parallel);
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async (_, i) => {
      while (performance.now() < until) {
        await queue.run(`loop-${i}`, task);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

async function main(): Promise<void> {
  configureSharp(1);
  const cores = os.availableParallelism();
  progress(`making a ${WIDTH}×${HEIGHT} JPEG`);
  const jpeg = await cameraJpeg();
  const box = THUMBNAIL_SIZES[size];
  const thumbnail = () => renderThumbnail(jpeg, box, MAX_PIXELS);
  const sample = await thumbnail();
  const meta = await sharp(sample).metadata();
  progress(`source ${(jpeg.length / 1024 / 1024).toFixed(1)} MB, thumbnail ${meta.width}×${meta.height} ${sample.length} B; ${seconds} s per run`);

  await rate(1, thumbnail); // warm-up: libvips loads its modules on first use
  const perCore = await rate(1, thumbnail);
  progress(`1 at a time: ${perCore.toFixed(2)}/s`);
  const allCores = await rate(cores, thumbnail);
  progress(`${cores} at a time: ${allCores.toFixed(2)}/s`);
  const fullDecode = await rate(1, () => sharp(jpeg, { limitInputPixels: MAX_PIXELS }).raw().toBuffer());
  progress(`full decode, 1 at a time: ${fullDecode.toFixed(2)}/s`);

  process.stdout.write(
    `${JSON.stringify({
      megapixels: (WIDTH * HEIGHT) / 1e6,
      sourceBytes: jpeg.length,
      size,
      box,
      thumbnailBytes: sample.length,
      perCore: { thumbnailsPerSecond: round2(perCore), msPerThumbnail: round2(1000 / perCore) },
      allCores: { thumbnailsPerSecond: round2(allCores), parallel: cores },
      baseline: { fullDecodesPerSecond: round2(fullDecode), thumbnailVsFullDecode: round2(perCore / fullDecode) },
      cores,
      seconds,
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`bench:thumbnails failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
