// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { safeRedirect } from './redirect';

describe('safeRedirect', () => {
  it('accepts same-site paths', () => {
    expect(safeRedirect('/account?tab=1')).toBe('/account?tab=1');
    expect(safeRedirect(['/skillshare', '/x'])).toBe('/skillshare');
  });

  it('refuses anything that could leave the site', () => {
    for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', 'files', null, undefined]) {
      expect(safeRedirect(bad)).toBe('/files');
    }
  });
});
