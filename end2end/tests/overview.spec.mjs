// The Overview and Logs pages in Chromium: a viewer's Overview updates without a reload
// when an admin changes the Config through the console in another browser; a followed
// log gets new lines, pauses and resumes; with JavaScript off the Overview still shows
// conditions, pods and charts.
import { test, expect } from '@playwright/test';
import { signIn, hydrated } from './sign-in.mjs';
import { patchConfig } from './kube.mjs';

const SHOTS = 'test-results/screens';

/// A running registry (emptyDir, one replica, Normal log level).
async function runningRegistry() {
  await patchConfig({ spec: { managementState: 'Managed', replicas: 1, readOnly: false, logLevel: 'Normal', operatorLogLevel: 'Normal',
    storage: { emptyDir: {}, pvc: null, s3: null, gcs: null, azure: null, swift: null } } });
}

test.describe('overview and logs', () => {
  test('the viewer\'s overview updates live when an admin changes the Config in another browser', async ({ page, browser, baseURL }) => {
    test.setTimeout(90_000);
    await runningRegistry();
    await signIn(page, 'viewer', '/');
    await expect(page.locator('h1')).toHaveText('Overview');
    await expect(page.locator('[data-pod]').first()).toBeVisible();
    await expect(page.locator('.live-status')).toHaveAttribute('data-state', 'on');
    await expect(page.locator('[data-fact="readOnly"]')).toHaveAttribute('data-value', 'false');
    // The headline: one sentence and a tone, then the six tiles.
    await expect(page.locator('[data-headline]')).toContainText('The registry is serving from emptyDir');
    await expect(page.locator('[data-tile]')).toHaveCount(6);
    await expect(page.locator('[data-tile="read_only"]')).toContainText('Off');
    // The viewer has no prometheus-scraper: the metrics say which role grants them.
    await expect(page.locator('[data-panel="metrics-heading"]')).toContainText('prometheus-scraper');
    await page.screenshot({ path: `${SHOTS}/overview-viewer-en.png`, fullPage: true });

    const admin = await browser.newContext({ baseURL, ignoreHTTPSErrors: true });
    const adminPage = await admin.newPage();
    await signIn(adminPage, 'admin', '/configuration');
    await hydrated(adminPage, '.change-forms');
    await adminPage.locator('input[name="spec.readOnly"]').check();
    await adminPage.locator('[data-action="preview"]').click();
    const review = adminPage.locator('[data-review="preview"]');
    await review.locator('textarea[name="reason"]').fill('read-only for the overview test');
    await review.locator('[data-action="apply"]').click();
    await expect(adminPage.locator('[data-review="applied"]')).toBeVisible();

    // No reload: the same document gets the new state.
    await page.evaluate(() => { window.sameDocument = true; });
    await expect(page.locator('[data-fact="readOnly"]')).toHaveAttribute('data-value', 'true', { timeout: 20_000 });
    await expect(page.locator('[data-tile="read_only"]')).toHaveAttribute('data-tone', 'warning');
    expect(await page.evaluate(() => window.sameDocument)).toBe(true);

    // The admin sees the metrics charts, and the page in Japanese.
    // (While the change rolls a new registry pod out, the metrics part says why it has no
    // charts; they are back once the new pod serves.)
    await expect(async () => {
      await adminPage.goto('/');
      await expect(adminPage.locator('[data-chart="in-flight"]')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await adminPage.screenshot({ path: `${SHOTS}/overview-admin-en.png`, fullPage: true });
    await admin.close();
    await page.goto('/lang/ja?return_to=/');
    await expect(page.locator('h2#operator-heading')).toHaveText('Operator の状態');
    await expect(page.locator('[data-headline]')).toContainText('読み取り専用');
    await page.screenshot({ path: `${SHOTS}/overview-viewer-ja.png`, fullPage: true });
    await page.goto('/lang/en?return_to=/');
    await runningRegistry();
  });

  test('logs: tail, filter with highlighting, follow with pause and resume', async ({ page }) => {
    test.setTimeout(60_000);
    await runningRegistry();
    await signIn(page, 'viewer', '/logs');
    const log = page.locator('[data-log]');
    await expect(log).toBeVisible();
    await expect(log).toContainText('listening on ');
    // The registry's own line (its debug server's says "listening" without "on").
    await page.locator('[data-log-filter]').fill('listening on');
    await expect(log.locator('mark').first()).toHaveText('listening on');
    await expect(log.locator('.line:not([hidden])')).toHaveCount(1);
    await page.locator('[data-log-filter]').fill('');

    const before = await log.locator('.line').count();
    await page.locator('[data-log-follow]').click();
    await expect(page.locator('[data-log-follow]')).toHaveText('Pause');
    await expect(page.locator('.live-status')).toHaveAttribute('data-state', 'on');
    await expect.poll(() => log.locator('.line').count(), { timeout: 15_000 }).toBeGreaterThan(before);
    // Paused: nothing is appended; resumed: what arrived meanwhile comes in.
    await page.locator('[data-log-follow]').click();
    await expect(page.locator('[data-log-follow]')).toHaveText('Resume');
    const paused = await log.locator('.line').count();
    await page.waitForTimeout(4_500);
    expect(await log.locator('.line').count()).toBe(paused);
    await page.locator('[data-log-follow]').click();
    await expect.poll(() => log.locator('.line').count(), { timeout: 10_000 }).toBeGreaterThan(paused);
    await page.screenshot({ path: `${SHOTS}/logs-viewer-en.png`, fullPage: true });

    // Download what is shown: exactly the lines on the page.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-download="shown"]').click(),
    ]);
    const text = await (await download.createReadStream()).toArray();
    const lines = Buffer.concat(text).toString('utf8').trimEnd().split('\n');
    expect(lines.length).toBe(await log.locator('.line').count());
  });

  test('with JavaScript disabled the overview still shows conditions, pods and charts', async ({ browser, baseURL }) => {
    await runningRegistry();
    // Signing in needs no script either: the provider's form and redirects.
    const context = await browser.newContext({ baseURL, ignoreHTTPSErrors: true, javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, 'admin', '/');
    await expect(page.locator('tr[data-condition="Available"]').first()).toBeVisible();
    await expect(page.locator('[data-pod]').first()).toBeVisible();
    await expect(page.locator('[data-chart="request-rate"]')).toBeVisible();
    await expect(page.locator('.live-status')).toBeEmpty();
    await page.goto('/logs?filter=listening');
    await expect(page.locator('[data-log] mark').first()).toHaveText('listening');
    await context.close();
  });
});
