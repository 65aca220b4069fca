import type { LocationQueryValue } from 'vue-router';

/**
 * Where to go after sign-in. Only same-site paths are accepted: "//evil.example" and
 * "https://…" would turn the login page into an open redirect.
 */
export function safeRedirect(value: LocationQueryValue | LocationQueryValue[] | undefined, fallback = '/files'): string {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  return raw;
}

export function queryString(value: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] : value;
  return typeof raw === 'string' ? raw : '';
}
