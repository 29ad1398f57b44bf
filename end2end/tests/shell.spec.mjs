import { test, expect } from '@playwright/test';
import { signIn } from './sign-in.mjs';

test.describe('application shell', () => {
  test('renders on the server, hydrates, and switches to Japanese in place', async ({ page }) => {
    await signIn(page, 'admin');
    // From here on the console's pages only (the provider's pages are not ours to judge).
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await expect(page.locator('.brand-name')).toHaveText('Registry Console');
    await expect(page.getByRole('navigation', { name: 'Main navigation' })).toBeVisible();

    // Only an effect can set this, and effects run only in the browser after hydration.
    await expect(page.locator('.layout')).toHaveAttribute('data-hydrated', 'true');

    const nav = page.locator('nav.sidebar');
    for (const name of ['Overview', 'Logs', 'Configuration', 'Storage', 'Exposure', 'CA trust', 'Access', 'Pruner', 'Audit trail']) {
      await expect(nav.getByRole('link', { name })).toBeVisible();
    }

    // The switch must act without a page load: mark the window and check the mark survives.
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.getByRole('link', { name: '日本語' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(nav.getByRole('link', { name: '概要' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'メインナビゲーション' })).toBeVisible();
    await expect(page.locator('h1')).toHaveText('概要');
    await expect(page.locator('.tagline')).toHaveText('OpenShift 統合イメージレジストリの管理コンソール');
    await expect(page).toHaveTitle('Registry Console');
    expect(await page.evaluate(() => window.__sameDocument)).toBe(true);

    // Remembered: a fresh load renders Japanese on the server.
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(page.locator('h1')).toHaveText('概要');
    await expect(page.locator('.layout')).toHaveAttribute('data-hydrated', 'true');

    expect(errors, `browser errors: ${errors.join('\n')}`).toEqual([]);
  });

  test('client-side navigation between pages', async ({ page }) => {
    await signIn(page, 'admin');
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await expect(page).toHaveURL(/\/audit$/);
    await expect(page.locator('h1')).toHaveText('Audit trail');
    await expect(page.getByRole('link', { name: 'Audit trail' })).toHaveAttribute('aria-current', 'page');
    expect(await page.evaluate(() => window.__sameDocument)).toBe(true);
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('Accept-Language picks Japanese and the switch still works through the server', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, javaScriptEnabled: false, locale: 'ja-JP' });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(page.locator('h1')).toHaveText('サインイン');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.locator('h1')).toHaveText('Sign in');
    await context.close();
  });
});

test.describe('against the sandbox cluster', () => {
  test('the console under test is ready against the real API server', async ({ request }) => {
    const response = await request.get('/readyz');
    const body = await response.json();
    expect(response.status(), JSON.stringify(body)).toBe(200);
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([['database', true], ['kubernetes', true]]);
  });
});
