import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { GatewayStack } from '../support/gatewayStack';
import { applyLayout, layoutOf, uploadFiles } from '../support/layoutLoad';
import { expectAccessible } from './a11y';

/**
 * /nodes while a region joins the running cluster (DESIGN §12), in a real browser against real
 * node and gateway processes: the new region is on the map and has its card as soon as it
 * joins, and its card says how much data moves once it is added.
 */
const WAIT = 45_000;

let stack: GatewayStack;
let browser: Browser;
let page: Page;

const card = (id: string) => page.locator(`article[data-node="${id}"]`);
const marker = (id: string) => page.locator(`g.marker[data-node="${id}"]`);

describe('/nodes: a region joining live', () => {
  beforeAll(async () => {
    // 2 files of 16 KiB a second into the new region once the repair budget's first burst
    // (256 KiB) is spent: the move lasts for several seconds.
    stack = await GatewayStack.start({ profile: 'lan', env: { GEOVAULT_INLINE_MAX_BYTES: '0', GEOVAULT_REPAIR_BYTES_PER_SEC: String(32 * 1024), GEOVAULT_REPAIR_CONCURRENCY: '1' } });
    await uploadFiles(stack.cluster, ['asia', 'eu-west', 'us-east'], 60, 16 * 1024);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('shows sa-east on the map and in a card when it joins, then its data moving once it is added', async () => {
    await page.goto(`${stack.url}/nodes`);
    await page.getByRole('heading', { level: 1, name: 'Mesh' }).waitFor();
    await expect.poll(() => page.locator('g.marker').count(), { timeout: WAIT }).toBe(3);
    expect(await card('sa-east').count()).toBe(0);

    await stack.cluster.start('sa-east');
    await expect.poll(() => card('sa-east').getByTestId('node-layout').textContent(), { timeout: WAIT }).toBe('Cluster layout: joined, waiting to be added');
    await expect.poll(() => card('sa-east').getByTestId('node-state').textContent(), { timeout: WAIT }).toContain('alive');
    await expect.poll(() => marker('sa-east').getAttribute('data-state'), { timeout: WAIT }).toBe('alive');
    expect(await marker('sa-east').textContent()).toContain('joined, waiting to be added');
    await expect.poll(() => page.locator('g.link[data-state="up"]').count(), { timeout: WAIT }).toBe(6);

    const { joined } = await layoutOf(stack.cluster, 'us-east');
    expect(await applyLayout(stack.cluster, 'us-east', [{ op: 'add', node: joined[0] }])).toMatchObject({ status: 200 });
    await expect.poll(() => card('sa-east').getByTestId('node-rebalance').textContent(), { timeout: WAIT, interval: 100 }).toMatch(/^Moving data: [1-9]\d* to move, \d+ moved, [\d.]+ files\/s$/);
    await expectAccessible(page, 'nodes-region-joining');
    // Added: no layout note any more; once everything moved (and the rate window passed), no moving note either.
    expect(await card('sa-east').getByTestId('node-layout').count()).toBe(0);
    await expect.poll(() => card('sa-east').getByTestId('node-rebalance').count(), { timeout: 120_000 }).toBe(0);
  }, 240_000);
});
