// The storage wizard in Chromium (guide 3.4, 3.5, 3.1): bare metal from Removed to a
// running registry on the operator's own claim; block storage with its claim, one replica
// and Recreate; S3 with write-only credentials and their rotation; emptyDir refused
// without its confirmation.
import { test, expect } from '@playwright/test';
import { signIn, hydrated, applyWithReason } from './sign-in.mjs';
import { getConfig, getClaim, getSecret, resetStorage } from './kube.mjs';

async function openWizard(page) {
  await signIn(page, 'admin', '/storage');
  await hydrated(page, '.storage-wizard');
}

test.describe('storage wizard', () => {
  test.beforeEach(async () => { await resetStorage(); });
  test.afterAll(async () => { await resetStorage(); });

  test('bare metal: Removed → the operator\'s claim → Available, in one audited change', async ({ page }) => {
    test.setTimeout(120_000);
    await openWizard(page);
    await expect(page.locator('[data-platform]')).toHaveAttribute('data-platform', 'BareMetal');
    await expect(page.locator('[data-alert="ImageRegistryRemoved"]')).toContainText('Image Registry has been removed.');
    // The platform's paths come first.
    await expect(page.locator('[data-paths="own"] [data-path]').first()).toHaveAttribute('data-path', 'pvc');
    await expect(page.locator('[data-recommended]')).toHaveCount(1);
    await expect(page.locator('[data-path="pvc"] [data-recommended]')).toBeVisible();
    await page.locator('input[name="path"][value="pvc"]').check();
    await expect(page.locator('[data-from-removed]')).toBeVisible();
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-oc-command]')).toHaveText(
      `oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"managementState":"Managed","storage":{"pvc":{}}}}'`);
    // The command copies here too (the wizard is its own island).
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.locator('[data-review="preview"] [data-copy]').first().click();
    await expect(page.locator('[data-review="preview"] [data-copy]').first()).toHaveAttribute('data-copied', '');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('oc patch configs.imageregistry.operator.openshift.io cluster');
    await applyWithReason(page, 'Guide 3.4.2 + 3.4.4: registry on shared storage');
    await expect(page.locator('[data-follow-up="healthy"]')).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('[data-follow-up="healthy"] [data-claim-phase]')).toHaveAttribute('data-claim-phase', 'Bound');
    // Settled: the whole page is as the server has it now, without a reload (the Removed
    // alert and "no storage" were left standing before).
    await expect(page.locator('[data-management-state]')).toHaveAttribute('data-management-state', 'Managed');
    await expect(page.locator('[data-storage]')).toHaveAttribute('data-storage', 'pvc');
    await expect(page.locator('[data-alert="ImageRegistryRemoved"]')).toHaveCount(0);
    await expect(page.locator('tr[data-claim="image-registry-storage"]')).toHaveAttribute('data-phase', 'Bound');
    // The entry in the audit trail, and what comes next in the guide.
    const changeId = await page.locator('[data-review="applied"]').getAttribute('data-change');
    await expect(page.locator('[data-review="applied"] [data-audit-link]')).toHaveAttribute('href', `/audit?change=${encodeURIComponent(changeId)}`);
    await expect(page.locator('[data-review="applied"] [data-next-step]')).toHaveAttribute('href', '/exposure');
    const claim = await getClaim('image-registry-storage');
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(claim.spec.resources.requests.storage).toBe('100Gi');
    expect((await getConfig()).spec.managementState).toBe('Managed');
    await page.reload();
    await expect(page.locator('tr[data-claim="image-registry-storage"]')).toHaveAttribute('data-phase', 'Bound');
  });

  test('block storage: the claim is Bound, the registry runs one replica with Recreate', async ({ page }) => {
    test.setTimeout(120_000);
    await openWizard(page);
    await page.locator('input[name="path"][value="block"]').check();
    await page.locator('input[name="claim.name"]').fill('registry-block');
    await page.locator('input[name="claim.storageClassName"]').fill('sandbox-block');
    // The size is checked as it is typed.
    await page.locator('input[name="claim.size"]').fill('a lot');
    await expect(page.locator('[data-errors-for="claim.size"]')).toContainText('is not a size');
    await page.locator('input[name="claim.size"]').fill('100Gi');
    await expect(page.locator('[data-errors-for="claim.size"]')).toHaveCount(0);
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] h3').first()).toContainText('PersistentVolumeClaim openshift-image-registry/registry-block');
    await applyWithReason(page, 'Guide 3.4.6: block storage for the registry');
    await expect(page.locator('[data-follow-up="healthy"]')).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('[data-follow-up="healthy"] [data-claim-phase]')).toHaveAttribute('data-claim-phase', 'Bound');
    const claim = await getClaim('registry-block');
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(claim.spec.storageClassName).toBe('sandbox-block');
    const spec = (await getConfig()).spec;
    expect([spec.replicas, spec.rolloutStrategy, spec.storage.pvc.claim]).toEqual([1, 'Recreate', 'registry-block']);
  });

  test('S3: the credentials are written once, never shown again, and rotation shows who and when', async ({ page }) => {
    test.setTimeout(120_000);
    const canary = `AKIAE2ECANARY${Date.now()}`;
    await openWizard(page);
    await page.locator('input[name="path"][value="s3"]').check();
    await expect(page.locator('[data-advice="s3"]')).toContainText('multipart');
    await page.locator('input[name="spec.storage.s3.bucket"]').fill('Bad_Bucket');
    await expect(page.locator('[data-errors-for="spec.storage.s3.bucket"]')).toContainText('not a valid S3 bucket name');
    await page.locator('input[name="spec.storage.s3.bucket"]').fill('registry-images');
    await page.locator('input[name="spec.storage.s3.region"]').fill('us-east-1');
    await page.locator('input[name="secret.REGISTRY_STORAGE_S3_ACCESSKEY"]').fill(canary);
    await page.locator('input[name="secret.REGISTRY_STORAGE_S3_SECRETKEY"]').fill(`${canary}/secret`);
    await expect(page.locator('.field-errors')).toHaveCount(0);
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-oc-command]').first()).toContainText('oc create -f -');
    await applyWithReason(page, 'Guide 3.1.1: S3 bucket and its keys');
    await expect(page.locator('input[name="secret.REGISTRY_STORAGE_S3_ACCESSKEY"]')).toHaveValue('');
    const secret = await getSecret('image-registry-private-configuration-user');
    expect(Buffer.from(secret.data.REGISTRY_STORAGE_S3_ACCESSKEY, 'base64').toString()).toBe(canary);

    await page.reload();
    await hydrated(page, '.storage-wizard');
    await expect(page.locator('[data-credentials="present"] code')).toHaveText(['REGISTRY_STORAGE_S3_ACCESSKEY', 'REGISTRY_STORAGE_S3_SECRETKEY']);
    await expect(page.locator('[data-credentials-who]')).toContainText('Sandbox Admin');
    await expect(page.locator('[data-credentials-match="true"]')).toBeVisible();
    const firstChange = await page.locator('[data-credentials-who] a').getAttribute('data-change');
    expect(await page.content()).not.toContain(canary);

    await page.locator('input[name="intent"][value="rotate"]').check();
    await page.locator('input[name="secret.REGISTRY_STORAGE_S3_ACCESSKEY"]').fill(`${canary}-2`);
    await page.locator('input[name="secret.REGISTRY_STORAGE_S3_SECRETKEY"]').fill(`${canary}/secret-2`);
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-oc-command]')).toHaveCount(1);
    await expect(page.locator('[data-review="preview"] [data-oc-command]')).toContainText('oc patch secrets');
    await applyWithReason(page, 'Rotate the S3 keys (quarterly)');
    await page.reload();
    await expect(page.locator('[data-credentials-who] a')).not.toHaveAttribute('data-change', firstChange);
    expect(await page.content()).not.toContain(canary);
  });

  test('emptyDir is refused without its confirmation', async ({ page }) => {
    await openWizard(page);
    const before = (await getConfig()).metadata.resourceVersion;
    await page.locator('input[name="path"][value="emptyDir"]').check();
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-errors-for="confirm.emptyDir"]').first()).toContainText('not for production');
    await expect(page.locator('[data-review="preview"]')).toHaveCount(0);
    expect((await getConfig()).metadata.resourceVersion).toBe(before);
    await page.locator('input[name="confirm.emptyDir"]').check();
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-violations="warning"]')).toContainText('not for production');
  });
});
