import { z } from 'zod';
import { defaultStorageSettings, type StorageSettings } from '../replication/replicationContext';
import { ConfigError } from '../../../common/config/configError';

const positiveInt = (what: string) => z.coerce.number({ error: `${what}` }).int(what).positive(what);

/** Storage tunables a deployment (or a test) may override; everything else is fixed by design. */
const storageEnvSchema = z.object({
  GEOVAULT_QUOTA_BYTES: positiveInt('a positive whole number of bytes').optional(),
  GEOVAULT_REPAIR_INTERVAL_MS: positiveInt('a positive number of milliseconds').optional(),
  GEOVAULT_REPAIR_SWEEP_FILES_PER_SEC: positiveInt('a positive number of files per second').optional(),
  GEOVAULT_ORPHAN_GRACE_MS: positiveInt('a positive number of milliseconds').optional(),
  GEOVAULT_SCRUB_INTERVAL_MS: positiveInt('a positive number of milliseconds').optional(),
  GEOVAULT_SCRUB_BYTES_PER_SEC: positiveInt('a positive number of bytes per second').optional(),
  GEOVAULT_COPY_TIMEOUT_MS: positiveInt('a positive number of milliseconds').optional(),
  GEOVAULT_COPY_STALL_MS: positiveInt('a positive number of milliseconds').optional(),
  GEOVAULT_REPAIR_CONCURRENCY: z.coerce.number().int().min(1).max(64, 'between 1 and 64').optional(),
  GEOVAULT_REPAIR_BYTES_PER_SEC: positiveInt('a positive number of bytes per second').optional(),
  GEOVAULT_SCRUB_FILES_PER_SEC: positiveInt('a positive number of files per second').optional(),
  GEOVAULT_TREE_COMPACT_MS: positiveInt('a positive number of milliseconds').optional(),
  // Fractions of a day are allowed, so that a test can see a purge happen.
  GEOVAULT_TRASH_DAYS: z.coerce.number({ error: 'a positive number of days' }).positive('a positive number of days').max(36500).optional(),
  GEOVAULT_HOUSEKEEPING_MS: positiveInt('a positive number of milliseconds').optional(),
  // Abandoned resumable uploads (issue 14): a day by default, at most a year.
  GEOVAULT_UPLOAD_EXPIRY_MS: positiveInt('a positive number of milliseconds').max(365 * 24 * 3600_000, 'at most a year of milliseconds').optional(),
  GEOVAULT_REBALANCE_FILES_PER_SEC: positiveInt('a positive number of files per second').optional(),
  GEOVAULT_REBALANCE_REVISIT_MS: positiveInt('a positive number of milliseconds').optional(),
  GEOVAULT_INLINE_MAX_BYTES: z.coerce.number().int().min(0).max(256 * 1024, 'at most 262144 (256 KiB)').optional(),
});

export function readStorageSettings(env: NodeJS.ProcessEnv): StorageSettings {
  const result = storageEnvSchema.safeParse(env);
  if (!result.success) throw ConfigError.fromZod('environment', result.error);
  const parsed = result.data;
  const defaults = defaultStorageSettings();
  return {
    ...defaults,
    quotaBytes: parsed.GEOVAULT_QUOTA_BYTES ?? defaults.quotaBytes,
    repairIntervalMs: parsed.GEOVAULT_REPAIR_INTERVAL_MS ?? defaults.repairIntervalMs,
    repairSweepFilesPerSecond: parsed.GEOVAULT_REPAIR_SWEEP_FILES_PER_SEC ?? defaults.repairSweepFilesPerSecond,
    orphanGraceMs: parsed.GEOVAULT_ORPHAN_GRACE_MS ?? defaults.orphanGraceMs,
    scrubIntervalMs: parsed.GEOVAULT_SCRUB_INTERVAL_MS ?? defaults.scrubIntervalMs,
    scrubBytesPerSecond: parsed.GEOVAULT_SCRUB_BYTES_PER_SEC ?? defaults.scrubBytesPerSecond,
    inlineMaxBytes: parsed.GEOVAULT_INLINE_MAX_BYTES ?? defaults.inlineMaxBytes,
    copyTimeoutMs: parsed.GEOVAULT_COPY_TIMEOUT_MS ?? defaults.copyTimeoutMs,
    copyStallMs: parsed.GEOVAULT_COPY_STALL_MS ?? defaults.copyStallMs,
    repairConcurrency: parsed.GEOVAULT_REPAIR_CONCURRENCY ?? defaults.repairConcurrency,
    repairBytesPerSecond: parsed.GEOVAULT_REPAIR_BYTES_PER_SEC ?? defaults.repairBytesPerSecond,
    scrubFilesPerSecond: parsed.GEOVAULT_SCRUB_FILES_PER_SEC ?? defaults.scrubFilesPerSecond,
    treeCompactIntervalMs: parsed.GEOVAULT_TREE_COMPACT_MS ?? defaults.treeCompactIntervalMs,
    trashRetentionMs: parsed.GEOVAULT_TRASH_DAYS !== undefined ? Math.round(parsed.GEOVAULT_TRASH_DAYS * 24 * 3600_000) : defaults.trashRetentionMs,
    housekeepingIntervalMs: parsed.GEOVAULT_HOUSEKEEPING_MS ?? defaults.housekeepingIntervalMs,
    uploadExpiryMs: parsed.GEOVAULT_UPLOAD_EXPIRY_MS ?? defaults.uploadExpiryMs,
    rebalanceFilesPerSecond: parsed.GEOVAULT_REBALANCE_FILES_PER_SEC ?? defaults.rebalanceFilesPerSecond,
    rebalanceRevisitMs: parsed.GEOVAULT_REBALANCE_REVISIT_MS ?? defaults.rebalanceRevisitMs,
  };
}
