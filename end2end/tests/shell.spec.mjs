import { test, expect } from '@playwright/test';
import { signIn, hydrated } from './sign-in.mjs';

test.describe('application shell', () => {
  test('renders on the server without the WASM bundle, and switches to Japanese through the server', async ({ page }) => {
    const wasm = [];
    page.on('request', (r) => { if (r.url().endsWith('.wasm') || r.url().endsWith('.js')) wasm.push(r.url()); });
    await signIn(page, 'admin');
    // From here on the console's pages only (the provider's pages are not ours to judge).
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await expect(page.locator('.brand-name')).toHaveText('Registry Console');
    await expect(page.getByRole('navigation', { name: 'Main navigation' })).toBeVisible();
    await expect(page).toHaveTitle('Overview · Registry Console');

    const nav = page.locator('nav.sidebar');
    for (const name of ['Overview', 'Logs', 'Configuration', 'Storage', 'Exposure', 'CA trust', 'Access', 'Pruner', 'Audit trail']) {
      await expect(nav.getByRole('link', { name })).toBeVisible();
    }
    // The Overview has no islands: complete as rendered, no WebAssembly; its one script is
    // the small live-update script.
    await page.waitForLoadState('networkidle');
    // Site files are under the site's hash (`/assets/<hash>/…`), cached for good.
    const fetched = wasm.map((u) => new URL(u).pathname);
    expect(fetched, 'scripts or WASM on the Overview').toHaveLength(1);
    expect(fetched[0]).toMatch(/^\/assets\/[0-9a-f]{16}\/live\.js$/);

    // The switch is a link through the server, which remembers the choice and comes back.
    await page.getByRole('link', { name: '日本語' }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(nav.getByRole('link', { name: '概要' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'メインナビゲーション' })).toBeVisible();
    await expect(page.locator('h1')).toHaveText('概要');
    await expect(page.locator('.tagline')).toHaveText('OpenShift 統合イメージレジストリーの管理コンソール');
    await expect(page).toHaveTitle('概要 · Registry Console');

    // Remembered: a fresh load renders Japanese on the server.
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(page.locator('h1')).toHaveText('概要');

    // The Configuration page loads its one island, which hydrates in Japanese too.
    await nav.getByRole('link', { name: '設定', exact: true }).click();
    await hydrated(page, '.change-forms');
    await expect(page.locator('[data-action="preview"]')).toHaveText('変更をプレビュー');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    expect(errors, `browser errors: ${errors.join('\n')}`).toEqual([]);
  });

  test('every page has its own title, in both languages', async ({ page }) => {
    await signIn(page, 'admin');
    const titles = {
      '/': ['Overview', '概要'],
      '/logs': ['Logs', 'ログ'],
      '/configuration': ['Configuration', '設定'],
      '/audit': ['Audit trail', '監査証跡'],
      '/your-access': ['Your access', 'あなたの権限'],
    };
    for (const [lang, index] of [['en', 0], ['ja', 1]]) {
      await page.goto(`/lang/${lang}?return_to=/`);
      for (const [path, names] of Object.entries(titles)) {
        await page.goto(path);
        await expect(page).toHaveTitle(`${names[index]} · Registry Console`);
      }
    }
    await page.goto('/lang/en?return_to=/');
  });

  test('navigation between pages marks the current one', async ({ page }) => {
    await signIn(page, 'admin');
    // The navigation's link (a page may link to the trail too, e.g. a doctor finding).
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link', { name: 'Audit trail' }).click();
    await expect(page).toHaveURL(/\/audit$/);
    await expect(page.locator('h1')).toHaveText('Audit trail');
    await expect(nav.getByRole('link', { name: 'Audit trail' })).toHaveAttribute('aria-current', 'page');
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
