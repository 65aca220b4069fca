import { Readable } from 'node:stream';
import { DefaultHttpStack, Upload, type HttpRequest, type HttpStack } from 'tus-js-client';

type UploadOptions = ConstructorParameters<typeof Upload>[1];

export interface TusRun {
  upload: Upload;
  /** Settles when the last byte is in (the file in its folder) or the upload fails for good. */
  done: Promise<{ url: string; itemId: string | null }>;
  /** Upload-Offset of every HEAD answer: where each resume started on the server. */
  resumedAt: number[];
}

/**
 * tus-js-client (the reference client) from Node against the gateway, signed in with a Bearer
 * token. `uploadUrl` continues an upload made before (a new client after a cut).
 */
export function startTus(baseUrl: string, token: string, source: Buffer | NodeJS.ReadableStream, options: Partial<UploadOptions> = {}): TusRun {
  const resumedAt: number[] = [];
  let upload!: Upload;
  const done = new Promise<{ url: string; itemId: string | null }>((resolve, reject) => {
    upload = new Upload(source as Buffer, {
      endpoint: `${baseUrl}/api/uploads`,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: null,
      ...options,
      headers: { authorization: `Bearer ${token}`, ...options.headers },
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'HEAD' && res.getStatus() === 200) resumedAt.push(Number(res.getHeader('Upload-Offset')));
        return options.onAfterResponse?.(req, res);
      },
      onSuccess: (payload) => {
        options.onSuccess?.(payload);
        resolve({ url: upload.url!, itemId: payload.lastResponse.getHeader('X-GeoVault-Item-Id') ?? null });
      },
      onError: (error) => {
        options.onError?.(error);
        reject(error);
      },
    });
  });
  upload.start();
  return { upload, done, resumedAt };
}

/** Upload-Metadata values as tus-js-client takes them. */
export function tusMetadata(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * tus-js-client's own Node stack, except that a PATCH for which `hold` returns a promise sends
 * the first half of its body, waits for the promise, then sends the rest: a test can cut the
 * request on its way at a known point, not at a moment it guesses from the time.
 */
export function bodyHoldingStack(hold: (req: HttpRequest) => Promise<unknown> | undefined): HttpStack {
  const inner = new DefaultHttpStack({});
  return {
    getName: () => 'BodyHoldingStack',
    createRequest(method, url) {
      const req = inner.createRequest(method, url);
      const send = req.send.bind(req);
      req.send = (body: unknown) => {
        if (!(body instanceof Uint8Array)) return send(body);
        const held = hold(req);
        if (!held) return send(body);
        req.setHeader('Content-Length', String(body.length));
        return send(Readable.from(halvesAround(Buffer.from(body.buffer, body.byteOffset, body.length), held)));
      };
      return req;
    },
  };
}

async function* halvesAround(body: Buffer, held: Promise<unknown>): AsyncGenerator<Buffer> {
  const half = Math.floor(body.length / 2);
  yield body.subarray(0, half);
  await held;
  yield body.subarray(half);
}
