import { Upload } from 'tus-js-client';

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
