import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** One axe rule that failed, reduced to what a failing assertion needs to show. */
export interface AxeViolation {
  id: string;
  impact: 'serious' | 'critical';
  help: string;
  helpUrl: string;
  /** CSS selectors plus a short HTML excerpt of each offending element. */
  nodes: { target: string; html: string }[];
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

function loadAxe(): string {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/**
 * Runs axe-core in the page and returns the serious and critical violations only: minor and
 * moderate findings are advisory and would make the suites flaky over cosmetic changes.
 * The script is evaluated through the DevTools protocol rather than a <script> tag because
 * the gateway's CSP (script-src 'self') would block an inline tag.
 */
export async function auditPage(page: Page): Promise<AxeViolation[]> {
  const present = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!present) await page.evaluate(loadAxe());
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: typeof import('axe-core') }).axe;
    const result = await axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200) })),
    }));
  });
  return violations.filter(
    (v): v is AxeViolation => v.impact === 'serious' || v.impact === 'critical',
  );
}

/** Human-readable summary for assertion messages: `expect(v, formatViolations(v)).toEqual([])`. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target}  ${n.html}`).join('\n')}`)
    .join('\n');
}

/** Where screenshots go when GEOVAULT_SCREENSHOTS names a folder (none otherwise). */
export const SCREENSHOTS_DIR = process.env.GEOVAULT_SCREENSHOTS;

/** Saves the page at phone and desktop width when screenshots are asked for, then restores the viewport. */
export async function captureScreens(page: Page, screen: string): Promise<void> {
  if (!SCREENSHOTS_DIR) return;
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const original = page.viewportSize();
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${screen}-${width}.png`), fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}

/** The audit every screen must pass (no serious or critical axe violation), plus its screenshots. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await auditPage(page);
  expect(violations, `${screen}: ${formatViolations(violations)}`).toEqual([]);
  await captureScreens(page, screen);
}
