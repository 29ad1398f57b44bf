// Every page of the user guide, as an admin sees it, in English and Japanese:
// docs/src/screens/<page>-<lang>.jpg. The first screenful at a laptop's width, as JPEG,
// so the book stays small.
import { test } from '@playwright/test';
import { signIn, hydrated } from '../tests/sign-in.mjs';

const PAGES = {
  overview: '/', logs: '/logs', configuration: '/configuration', storage: '/storage',
  exposure: '/exposure', 'ca-trust': '/ca-trust', registries: '/registries', access: '/access',
  pruner: '/pruner', audit: '/audit',
};
const OUT = '../docs/src/screens';

test('the user guide\'s screenshots', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await signIn(page, 'admin');
  for (const lang of ['en', 'ja']) {
    await page.goto(`/lang/${lang}?return_to=/`);
    for (const [name, path] of Object.entries(PAGES)) {
      await page.goto(path);
      if (await page.locator('.change-forms').count()) await hydrated(page, '.change-forms');
      await page.screenshot({ path: `${OUT}/${name}-${lang}.jpg`, type: 'jpeg', quality: 70 });
    }
  }
  await page.goto('/lang/en?return_to=/');
});
