// A registry viewer with JavaScript off, on a phone and a laptop, in both languages: every
// page they can open renders from the server, shows no raw 403 (the API server's words stay
// behind a toggle) and no page scrolls sideways.
import { test, expect } from '@playwright/test';
import { signIn } from './sign-in.mjs';

const PAGES = ['/', '/logs', '/configuration', '/storage', '/exposure', '/ca-trust', '/registries', '/access', '/pruner', '/your-access'];

test('a viewer without JavaScript: every page, no raw 403, no sideways scroll', async ({ browser }) => {
  test.setTimeout(120_000);
  const signedIn = await browser.newContext();
  await signIn(await signedIn.newPage(), 'viewer');
  const storageState = await signedIn.storageState();
  await signedIn.close();
  const problems = [];
  for (const width of [390, 1366]) {
    for (const lang of ['en', 'ja']) {
      const context = await browser.newContext({ javaScriptEnabled: false, storageState, viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(`/lang/${lang}?return_to=/`);
      for (const path of PAGES) {
        await page.goto(path);
        await expect(page.locator('main h1')).toBeVisible();
        const text = await page.locator('main').innerText();
        if (/\b403\b|is forbidden/.test(text)) problems.push(`${path} (${lang}, ${width} px) shows a raw 403`);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        if (scroll > width) problems.push(`${path} (${lang}) at ${width} px is ${scroll} px wide`);
        if (width === 390) await page.screenshot({ path: `test-results/screens/viewer-nojs-${lang}${path === '/' ? '-overview' : path.replace('/', '-')}.png`, fullPage: true });
      }
      await context.close();
    }
  }
  expect(problems).toEqual([]);
});
