import { test } from '@playwright/test';
import { signIn, hydrated } from './sign-in.mjs';
for (const [user, lang, width] of [['admin', 'en', 1366], ['admin', 'ja', 1366], ['viewer', 'ja', 1366], ['admin', 'en', 390]]) {
  test(`shot ${user} ${lang} ${width}`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, user, '/registries');
    await page.goto(`/lang/${lang}?return_to=/registries`);
    if (user === 'admin') await hydrated(page, '.change-forms');
    if (user === 'admin' && lang === 'en' && width === 1366) {
      const form = page.locator('form[data-change-form="registry-sources"]');
      await form.locator('textarea[name="spec.registrySources.allowedRegistries"]').fill('quay.io\nhttps://x.example.com');
      await page.waitForTimeout(1200);
    }
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    console.log(`SCROLLWIDTH ${user} ${lang} ${width}: ${scroll}`);
    await page.screenshot({ path: `/tmp/shot-${user}-${lang}-${width}.png`, fullPage: true });
    await page.goto('/lang/en?return_to=/');
  });
}
