/**
 * Resumable uploads through the gateway's tus server (DESIGN §8) with tus-js-client: chunks,
 * retries with backoff, and the upload's URL kept in localStorage under a fingerprint, so that
 * the same file picked again after a reload continues from the bytes the server has.
 */
import { defaultOptions, Upload, type DetailedError, type HttpRequest, type HttpResponse } from 'tus-js-client';
import type { TusItemIdHeader, TusUploadMetadata } from '../../../gateway/src/api/uploads';
import { ApiError, csrfHeaders, csrfToken, notifyIfUnauthenticated } from './http';
import { ROOT_FOLDER, type UploadTarget } from './files';

export const TUS_ENDPOINT = '/api/uploads';
/**
 * Each chunk is made durable on two nodes before the next is sent, a fixed cost of some 18 ms
 * per chunk on lan. `bench:resumable -- --chunk-mib N` (1 GiB, 2026-12-04): 8 MiB chunks went
 * at 0.68-0.76× of a single request, 16 MiB at 0.87× (32 MiB was no better when last tried).
 * A dropped link resends at most a chunk.
 */
export const CHUNK_BYTES = 16 * 1024 * 1024;
/** After a failure: at once, then backing off to 30 s, then the row shows the error (and a Retry button). */
export const RETRY_DELAYS_MS = [0, 1_000, 3_000, 5_000, 10_000, 20_000, 30_000, 30_000];
const ITEM_ID_HEADER: TusItemIdHeader = 'X-GeoVault-Item-Id';

export interface ResumableEvents {
  onProgress(sent: number, total: number): void;
  /** The link dropped or a node went away: tus-js-client tries again (attempt 0, 1, …). */
  onRetry(attempt: number): void;
  /** The server already had `offset` bytes of this upload (a resume after a reload, a retry). */
  onResumedAt(offset: number): void;
}

export interface ResumableHandle {
  /** Settles with the stored file's item id when the last byte is in; rejects with ApiError. */
  done: Promise<{ itemId: string | null }>;
  /** Stops sending; what the server has stays (until it expires). */
  pause(): void;
  resume(): void;
  /** Stops and removes the upload on the server (tus termination). */
  cancel(): Promise<void>;
}

/**
 * What identifies an upload across reloads: the account, where it goes, and the file as the
 * browser describes it (name, size, type, modification time). The same file for another
 * folder or account is another upload.
 */
export function uploadKey(userId: string, file: Pick<File, 'name' | 'size' | 'type' | 'lastModified'>, target: UploadTarget): string {
  return ['geovault', userId, target.folder ?? ROOT_FOLDER, target.relativePath ?? file.name, file.size, file.type, file.lastModified].map((part) => encodeURIComponent(String(part))).join(':');
}

/** tus-js-client's error as the dashboard's ApiError (the gateway's JSON code and message where it sent one). */
function toApiError(error: Error | DetailedError): ApiError {
  const response = (error as DetailedError).originalResponse;
  if (!response || response.getStatus() === 0) return new ApiError(0, 'network', 'The upload was interrupted: the gateway cannot be reached.');
  let body: { error?: { code?: string; message?: string } } = {};
  try {
    body = JSON.parse(response.getBody()) as typeof body;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  const apiError = new ApiError(response.getStatus(), body.error?.code ?? 'internal', body.error?.message ?? `The server answered ${response.getStatus()}.`);
  notifyIfUnauthenticated(apiError);
  return apiError;
}

/** Retry what may pass later: no answer, 5xx, 409 (offset moved), 423 (busy), 429 (too many at once). */
function worthRetrying(error: DetailedError): boolean {
  const status = error.originalResponse?.getStatus() ?? 0;
  const transient = status < 400 || status >= 500 || status === 409 || status === 423 || status === 429;
  return transient && navigator.onLine !== false;
}

export function startResumable(file: File, target: UploadTarget & { userId: string }, events: ResumableEvents): ResumableHandle {
  const metadata: TusUploadMetadata = { filename: file.name, filetype: file.type || 'application/octet-stream' };
  if (target.folder && target.folder !== ROOT_FOLDER) metadata.folder = target.folder;
  if (target.relativePath) metadata.relativePath = target.relativePath;
  const key = uploadKey(target.userId, file, target);
  let settle!: { resolve: (value: { itemId: string | null }) => void; reject: (error: ApiError) => void };
  const done = new Promise<{ itemId: string | null }>((resolve, reject) => (settle = { resolve, reject }));

  const upload = new Upload(file, {
    endpoint: TUS_ENDPOINT,
    chunkSize: CHUNK_BYTES,
    retryDelays: RETRY_DELAYS_MS,
    metadata: metadata as unknown as Record<string, string>,
    fingerprint: () => Promise.resolve(key),
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    // The session cookie rides along (same origin); state-changing calls echo the CSRF token.
    onBeforeRequest: (req: HttpRequest) => {
      const token = csrfToken();
      if (token && !['GET', 'HEAD'].includes(req.getMethod())) req.setHeader('X-CSRF-Token', token);
    },
    onAfterResponse: (req: HttpRequest, res: HttpResponse) => {
      if (req.getMethod() === 'HEAD' && res.getStatus() === 200) events.onResumedAt(Number(res.getHeader('Upload-Offset') ?? 0));
    },
    onProgress: (sent, total) => events.onProgress(sent, total),
    onShouldRetry: (error, attempt) => {
      const retry = worthRetrying(error);
      if (retry) events.onRetry(attempt);
      return retry;
    },
    onSuccess: ({ lastResponse }) => settle.resolve({ itemId: lastResponse.getHeader(ITEM_ID_HEADER) ?? null }),
    onError: (error) => settle.reject(toApiError(error)),
  });

  const begin = async () => {
    // A URL kept from before (this file, this folder, this account): continue it.
    const previous = await upload.findPreviousUploads();
    if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  };
  void begin().catch((error: unknown) => settle.reject(new ApiError(0, 'network', (error as Error).message)));

  return {
    done,
    pause: () => void upload.abort(false),
    resume: () => upload.start(),
    cancel: async () => {
      await upload.abort(true).catch(() => undefined);
      settle.reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
    },
  };
}

/**
 * Removes on the server an upload whose file is not at hand (a row left from before a reload
 * that the person cancels): its URL is in tus-js-client's storage under the same key.
 */
export async function forgetUpload(key: string): Promise<void> {
  const storage = defaultOptions.urlStorage;
  const kept = await storage.findUploadsByFingerprint(key).catch(() => []);
  for (const previous of kept) {
    if (previous.uploadUrl) await Upload.terminate(previous.uploadUrl, { headers: csrfHeaders('DELETE'), retryDelays: [0, 1_000] }).catch(() => undefined);
    await storage.removeUpload(previous.urlStorageKey).catch(() => undefined);
  }
}
