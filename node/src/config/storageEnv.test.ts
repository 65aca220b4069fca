import { describe, expect, it } from 'vitest';
import { readStorageSettings } from './storageEnv';

describe('storage settings from the environment', () => {
  it('expires resumable uploads after a day unless GEOVAULT_UPLOAD_EXPIRY_MS says otherwise', () => {
    expect(readStorageSettings({}).uploadExpiryMs).toBe(24 * 3600_000);
    expect(readStorageSettings({ GEOVAULT_UPLOAD_EXPIRY_MS: '4000' }).uploadExpiryMs).toBe(4000);
  });

  it('refuses an expiry that is not a positive number of milliseconds, or more than a year', () => {
    for (const bad of ['0', '-5', '1.5', 'soon', String(366 * 24 * 3600_000)]) {
      expect(() => readStorageSettings({ GEOVAULT_UPLOAD_EXPIRY_MS: bad }), bad).toThrow(/GEOVAULT_UPLOAD_EXPIRY_MS/);
    }
  });
});
