import type Sharp from 'sharp';

let threads = 1;
let loaded: Promise<typeof Sharp> | undefined;

/**
 * libvips threads per image. Parallelism comes from decoding several images at once (the
 * generation queue), each on one thread: per image, more threads help little for a JPEG whose
 * decoding is mostly one shrink-on-load pass, and they would take the cores that streams need.
 */
export function configureSharp(threadsPerImage = 1): void {
  threads = threadsPerImage;
  if (loaded) void loaded.then((sharp) => sharp.concurrency(threads));
}

/**
 * sharp, loaded with the first image the gateway makes (a thumbnail, a profile photo): libvips
 * is about 15 MB resident, which a gateway busy with uploads and downloads never needs.
 */
export function loadSharp(): Promise<typeof Sharp> {
  loaded ??= import('sharp').then(({ default: sharp }) => {
    sharp.concurrency(threads);
    // libvips' operation cache keeps decoded images around; ours are decoded once per version.
    sharp.cache(false);
    return sharp;
  });
  return loaded;
}
