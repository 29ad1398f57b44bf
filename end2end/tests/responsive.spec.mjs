// Every page a role can open, at a phone's width (390 px) and a laptop's (1366 px), in
// English and Japanese: no horizontal page scroll. Long values wrap, and tables too wide
// for their card scroll inside it.
import { test, expect } from '@playwright/test';
import { signIn } from './sign-in.mjs';

const PAGES = ['/', '/logs', '/configuration', '/storage', '/exposure', '/ca-trust', '/registries', '/access', '/pruner', '/audit', '/your-access'];
const OPENS = {
  admin: PAGES,
  viewer: PAGES.filter((p) => p !== '/audit'),
  auditor: ['/audit', '/audit?verify=1', '/logs'],
};

test.describe('responsive layout', () => {
  for (const [user, paths] of Object.entries(OPENS)) {
    test(`no page ${user} can open scrolls sideways at 390 or 1366 px`, async ({ page }) => {
      test.setTimeout(120_000);
      await signIn(page, user);
      const wide = [];
      for (const width of [390, 1366]) {
        await page.setViewportSize({ width, height: 900 });
        for (const lang of ['en', 'ja']) {
          await page.goto(`/lang/${lang}?return_to=/`);
          for (const path of paths) {
            await page.goto(path);
            const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
            if (scroll > width) wide.push(`${path} (${lang}) at ${width} px is ${scroll} px wide`);
          }
        }
      }
      await page.goto('/lang/en?return_to=/');
      expect(wide).toEqual([]);
    });
  }
});
