// The Registries page in Chromium (guide chapter 4): an allow-list that leaves out
// registry.redhat.io is named as it is typed and needs the risk and the node rollout
// confirmed; a registry's credentials added as one change that keeps the other entries,
// listed with who set them, the password never in the page; viewers read the sources,
// not the credentials, in Japanese too.
import { test, expect } from '@playwright/test';
import { signIn, hydrated, applyWithReason } from './sign-in.mjs';
import { getImageConfig, getPullSecret, resetRegistries } from './kube.mjs';

const ALLOWED = 'spec.registrySources.allowedRegistries';
const ADDED = 'registry.example.com';
const CANARY = 'Canary-Pw-e2e-4b1d';

test.describe('registries', () => {
  test.beforeEach(async () => { await resetRegistries([ADDED]); });
  test.afterAll(async () => { await resetRegistries([ADDED]); });

  test('an allow-list without registry.redhat.io: named as typed, confirmed, applied', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, 'admin', '/registries');
    await hydrated(page, '.change-forms');
    const form = page.locator('form[data-change-form="registry-sources"]');
    await form.locator(`textarea[name="${ALLOWED}"]`).fill('quay.io\nhttps://registry.example.com');
    await expect(form.locator(`[data-errors-for="${ALLOWED}"]`)).toContainText('Line 2');
    await form.locator(`textarea[name="${ALLOWED}"]`).fill('quay.io\nimage-registry.openshift-image-registry.svc:5000\nregistry.example.com');
    await expect(form.locator(`[data-errors-for="${ALLOWED}"]`)).toContainText('registry.redhat.io');
    await expect(form.locator('[data-errors-for="confirm.rollout"]')).toContainText('1 node');
    await form.locator('input[name="confirm.risks"]').check();
    await form.locator('input[name="confirm.rollout"]').check();
    await expect(form.locator(`[data-errors-for="${ALLOWED}"]`)).toHaveCount(0);
    await form.locator('[data-action="preview"]').click();
    const review = page.locator('[data-review="preview"]');
    await expect(review.locator('[data-violations="warning"]')).toContainText('leaves out registry.redhat.io');
    await applyWithReason(page, 'Guide 4.2: only our registries');
    expect((await getImageConfig()).spec.registrySources).toEqual({
      allowedRegistries: ['quay.io', 'image-registry.openshift-image-registry.svc:5000', 'registry.example.com'],
    });
    await expect(page.locator(`textarea[name="${ALLOWED}"]`)).toHaveValue(/registry\.example\.com/);
  });

  test('adding credentials: one entry, the others kept, the password never shown', async ({ page }) => {
    test.setTimeout(120_000);
    const before = await getPullSecret();
    await signIn(page, 'admin', '/registries');
    await hydrated(page, '.change-forms');
    await expect(page.locator('tr[data-registry="registry.redhat.io"]')).toBeVisible();
    const form = page.locator('form[data-change-form="set-credential"]');
    await form.locator('input[name="registry"]').fill(ADDED);
    await form.locator('input[name="username"]').fill('robot');
    await form.locator('input[name="test"]').uncheck();
    await form.locator('[data-action="preview"]').click();
    await expect(form.locator('[data-errors-for="secret"]')).toContainText('empty');
    await form.locator('input[name="secret"]').fill(CANARY);
    await form.locator('[data-action="preview"]').click();
    const review = page.locator('[data-review="preview"]');
    await expect(review.locator('[data-violations="warning"]')).toContainText('the 3 other entries stay exactly as they are');
    await expect(review.locator('[data-oc-command]').first()).toContainText("--auth-basic='<user>:<password>'");
    await applyWithReason(page, 'Guide 4.2.1: pull from our registry');
    const row = page.locator(`tr[data-registry="${ADDED}"]`);
    await expect(row).toContainText('Sandbox Admin');
    await expect(row.locator('.fingerprint')).toContainText('fingerprint:');
    const after = await getPullSecret();
    for (const [host, entry] of Object.entries(before.auths)) expect(after.auths[host]).toEqual(entry);
    expect(Buffer.from(after.auths[ADDED].auth, 'base64').toString()).toBe(`robot:${CANARY}`);
    expect(await page.content()).not.toContain(CANARY);
    await page.reload();
    expect(await page.content()).not.toContain(CANARY);
  });

  test('viewers read the sources, not the credentials, in English and Japanese', async ({ page }) => {
    await signIn(page, 'viewer', '/registries');
    await expect(page.locator('[data-denied="change"]')).toBeVisible();
    await expect(page.locator('[data-credentials="unavailable"]').first()).toBeVisible();
    // The sources as they are, not a form they cannot use.
    await expect(page.locator('[data-read-only-summary="sources"] dt').first()).toContainText('spec.registrySources');
    await expect(page.locator('form[data-change-form="registry-sources"]')).toHaveCount(0);
    await page.goto('/lang/ja?return_to=/registries');
    await expect(page.locator('[data-credentials="unavailable"]').first()).toContainText('シークレット');
    await expect(page.locator('h2#sources-heading')).toHaveText('レジストリーソース');
    await page.goto('/lang/en?return_to=/');
  });
});
