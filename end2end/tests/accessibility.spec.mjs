// Every page, as each role that can open it, in both languages: no WCAG 2.2 A or AA
// violation that axe-core can find.
import { test, expect } from '@playwright/test';
import { signIn, hydrated } from './sign-in.mjs';
import { expectAccessible, violationsOf } from './a11y.mjs';

const PAGES = ['/', '/logs', '/configuration', '/storage', '/exposure', '/ca-trust', '/registries', '/access', '/pruner', '/audit', '/your-access'];
const OPENS = {
  admin: PAGES,
  viewer: PAGES.filter((p) => p !== '/audit'),
  auditor: ['/audit', '/audit?verify=1', '/logs'],
  nobody: ['/'],
};

test.describe('accessibility', () => {
  test('the check finds violations where there are some', async ({ page }) => {
    await page.setContent('<html><body><img src="/favicon.svg"><button></button></body></html>');
    const found = await violationsOf(page);
    for (const rule of ['image-alt', 'button-name', 'html-has-lang']) {
      expect(found.some((v) => v.startsWith(rule)), `${rule} in ${found}`).toBe(true);
    }
  });

  test('signed out: the sign-in and signed-out pages', async ({ page }) => {
    for (const lang of ['en', 'ja']) {
      await page.goto(`/lang/${lang}?return_to=/sign-in`);
      await expectAccessible(page, `sign-in (${lang})`);
      await page.goto('/signed-out');
      await expectAccessible(page, `signed-out (${lang})`);
      await page.goto('/no-such-page');
      await expectAccessible(page, `not found (${lang})`);
    }
    await page.goto('/lang/en?return_to=/sign-in');
  });

  for (const [user, paths] of Object.entries(OPENS)) {
    test(`every page ${user} can open, in English and Japanese`, async ({ page }) => {
      test.setTimeout(120_000);
      await signIn(page, user);
      for (const lang of ['en', 'ja']) {
        await page.goto(`/lang/${lang}?return_to=/`);
        for (const path of paths) {
          await page.goto(path);
          if (path === '/configuration') await hydrated(page, '.change-forms');
          await expectAccessible(page, `${path} as ${user} (${lang})`);
        }
      }
      await page.goto('/lang/en?return_to=/');
    });
  }

  test('the change review, with violations and with a preview on screen', async ({ page }) => {
    await signIn(page, 'admin', '/configuration');
    await hydrated(page, '.change-forms');
    await page.locator('input[name="spec.replicas"]').fill('two');
    await page.locator('[data-action="preview"]').click();
    await page.locator('[data-violations="error"]').waitFor();
    await expectAccessible(page, 'review with violations');
    await page.locator('input[name="spec.replicas"]').fill('1');
    await page.locator('select[name="spec.logLevel"]').selectOption('Debug');
    await page.locator('[data-action="preview"]').click();
    await page.locator('[data-review="preview"]').waitFor();
    await expectAccessible(page, 'review with a preview');
  });
});
