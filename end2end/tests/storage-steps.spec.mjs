// The storage wizard in steps with JavaScript off (guide 3.4 on bare metal): path → the
// path's settings → review → apply, each step a plain form; the steps list shows where the
// admin is, a broken rule brings them back to its step, and the done page links the audit
// entry. Each step is screenshotted in both languages at 390 px and 1366 px, with no
// sideways scroll.
import { test, expect } from '@playwright/test';
import { signIn } from './sign-in.mjs';
import { getConfig, resetStorage } from './kube.mjs';

test.describe('storage wizard in steps', () => {
  test.beforeEach(async () => { await resetStorage(); });
  test.afterAll(async () => { await resetStorage(); });

  test('without JavaScript: path → settings → review → applied, in both languages', async ({ browser }) => {
    test.setTimeout(180_000);
    const signedIn = await browser.newContext();
    await signIn(await signedIn.newPage(), 'admin');
    const storageState = await signedIn.storageState();
    await signedIn.close();
    const problems = [];
    const wide = async (page, what, width) => {
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      if (scroll > width) problems.push(`${what} at ${width} px is ${scroll} px wide`);
    };

    // Japanese and a phone: the steps up to the review, then cancel (nothing changes).
    const ja = await browser.newContext({ javaScriptEnabled: false, storageState, viewport: { width: 390, height: 900 } });
    const phone = await ja.newPage();
    await phone.goto('/lang/ja?return_to=/storage');
    await phone.locator('[data-no-js-wizard] a').click();
    await expect(phone.locator('.stepped[data-step="path"]')).toBeVisible();
    await expect(phone.locator('.steps li[aria-current="step"]')).toHaveText('保存先');
    await phone.screenshot({ path: 'test-results/screens/storage-steps-ja-1-path.png', fullPage: true });
    await wide(phone, 'path step (ja)', 390);
    await phone.locator('input[name="path"][value="block"]').check();
    await phone.locator('[data-action="next"]').click();
    await expect(phone.locator('.stepped[data-step="fields"]')).toBeVisible();
    // Only the block path's fields show; the path choice is hidden but carried.
    await expect(phone.locator('[data-path-fields="block"]')).toBeVisible();
    await expect(phone.locator('[data-path-fields="s3"]')).toBeHidden();
    await expect(phone.locator('[data-group="path"]')).toBeHidden();
    await phone.locator('input[name="claim.size"]').fill('lots');
    await phone.locator('[data-action="next"]').click();
    // The rule is named at its field, in Japanese, on the same step.
    await expect(phone.locator('.stepped[data-step="fields"] [data-step-errors]')).toBeVisible();
    await expect(phone.locator('[data-errors-for="claim.size"]')).toBeVisible();
    await phone.screenshot({ path: 'test-results/screens/storage-steps-ja-2-fields-error.png', fullPage: true });
    await wide(phone, 'settings step with an error (ja)', 390);
    await phone.locator('[data-action="cancel"]').click();
    await expect(phone).toHaveURL(/\/storage$/);
    expect((await getConfig()).spec.managementState).toBe('Removed');
    await ja.close();

    // English on a laptop: the guide's shared-storage path to the end.
    const en = await browser.newContext({ javaScriptEnabled: false, storageState, viewport: { width: 1366, height: 900 } });
    const page = await en.newPage();
    await page.goto('/lang/en?return_to=/storage');
    await page.locator('[data-no-js-wizard] a').click();
    await expect(page.locator('[data-path="pvc"] [data-recommended]')).toBeVisible();
    await page.locator('input[name="path"][value="pvc"]').check();
    await page.screenshot({ path: 'test-results/screens/storage-steps-en-1-path.png', fullPage: true });
    await page.locator('[data-action="next"]').click();
    await expect(page.locator('.steps li[aria-current="step"]')).toHaveText('Settings');
    // A claim path takes no credentials: that step is not listed.
    await expect(page.locator('.steps li')).toHaveText(['Path', 'Settings', 'Review']);
    await page.screenshot({ path: 'test-results/screens/storage-steps-en-2-fields.png', fullPage: true });
    await page.locator('[data-action="next"]').click();
    await expect(page.locator('.stepped[data-step="review"] [data-review="preview"] [data-oc-command]')).toHaveText(
      `oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"managementState":"Managed","storage":{"pvc":{}}}}'`);
    await page.screenshot({ path: 'test-results/screens/storage-steps-en-3-review.png', fullPage: true });
    await wide(page, 'review step (en)', 1366);
    await page.locator('textarea[name="reason"]').fill('Guide 3.4.4 step by step, without JavaScript');
    await page.locator('[data-review="preview"] [data-action="apply"]').click();
    await expect(page.locator('.stepped[data-step="done"] [data-review="applied"]')).toBeVisible();
    const changeId = await page.locator('[data-review="applied"]').getAttribute('data-change');
    await expect(page.locator('[data-review="applied"] [data-audit-link]')).toHaveAttribute('href', `/audit?change=${encodeURIComponent(changeId)}`);
    await expect(page.locator('[data-review="applied"] [data-next-step]')).toHaveAttribute('href', '/exposure');
    const spec = (await getConfig()).spec;
    expect(spec.managementState).toBe('Managed');
    // The operator then names its claim in the spec (the patch itself was `pvc: {}`).
    expect(spec.storage).toHaveProperty('pvc');
    // Reloading the done page reads the follow-up again (the rollout itself to healthy is
    // storage.spec's: here the previous tests' claims may still be releasing).
    await page.locator('[data-action="reload-follow-up"]').click();
    await expect(page.locator('.stepped[data-step="done"] [data-follow-up]')).toBeVisible();
    await expect(page.locator('[data-management-state]')).toHaveAttribute('data-management-state', 'Managed');
    await page.screenshot({ path: 'test-results/screens/storage-steps-en-4-done.png', fullPage: true });
    await en.close();
    expect(problems).toEqual([]);
  });
});
