// The exposure wizard and CA trust in Chromium (guide 6.1, 2.5): a custom route with the
// sandbox's sample certificate, checked as it is typed, reviewed and applied as one
// change; its host listed and the podman commands shown; the private key never in the
// page. A registry CA added for host..port, then removed with the reference. Viewers see
// both pages read-only, in Japanese too.
import { test, expect } from '@playwright/test';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { signIn, hydrated, applyWithReason } from './sign-in.mjs';
import { getConfig, getSecret, getConfigMap, getImageConfig, resetExposure } from './kube.mjs';

// The sandbox writes it (relative paths in sandbox.env are relative to the checkout).
const SAMPLE = join(resolve('..', process.env.SANDBOX_DIR), 'sample-route-tls');
const HOST = 'registry.apps.sandbox.example';

test.describe('exposure and CA trust', () => {
  test.beforeEach(async () => { await resetExposure(); });
  test.afterAll(async () => { await resetExposure(); });

  test('a custom route with its certificate: checked as typed, one change, key never shown', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, 'admin', '/exposure');
    await hydrated(page, '.change-forms');
    const form = page.locator('form[data-change-form="add-route"]');
    await form.locator('input[name="name"]').fill('default-route');
    await expect(form.locator('[data-errors-for="name"]')).toContainText('reserved');
    await form.locator('input[name="name"]').fill('public-routes');
    await expect(form.locator('[data-errors-for="name"]')).toHaveCount(0);
    await form.locator('input[name="hostname"]').fill('elsewhere.example.com');
    await form.locator('input[name="certificate.file"]').setInputFiles(join(SAMPLE, 'tls.crt'));
    await form.locator('input[name="key.file"]').setInputFiles(join(SAMPLE, 'tls.key'));
    await form.locator('input[name="caCertificate.file"]').setInputFiles(join(SAMPLE, 'ca.crt'));
    await expect(form.locator('[data-errors-for="certificate"]')).toContainText('does not cover elsewhere.example.com');
    await form.locator('input[name="hostname"]').fill(HOST);
    await expect(form.locator('[data-errors-for="certificate"]')).toHaveCount(0);
    await form.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-oc-command]').first()).toHaveText(
      "oc create secret generic public-routes-tls -n openshift-image-registry --type=kubernetes.io/tls --from-file=tls.crt=tls.crt --from-file=tls.key=tls.key --from-file=tls.cacrt=ca.crt");
    await applyWithReason(page, 'Guide 6.1: expose the registry at its own host');
    // The page shows the registry as it is now, and nothing that was typed.
    await expect(page.locator('tr[data-route="public-routes"] td').first()).toHaveText(HOST);
    await expect(page.locator(`[data-commands-for="${HOST}"]`)).toContainText(`podman login -u openshift -p "$(oc whoami -t)" ${HOST}`);
    // A private CA: trusted on the client, not --tls-verify=false.
    await expect(page.locator(`[data-commands-for="${HOST}"]`)).toContainText(`/etc/containers/certs.d/${HOST}/ca.crt`);
    await expect(page.locator(`[data-commands-for="${HOST}"]`)).toHaveAttribute('data-insecure', 'false');
    // The commands copy as they are shown.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const copy = page.locator(`[data-commands-for="${HOST}"] [data-copy]`);
    await copy.click();
    await expect(copy).toHaveAttribute('data-copied', '');
    const shown = (await page.locator(`[data-commands-for="${HOST}"] pre`).textContent()).trim();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shown);
    const secret = await getSecret('public-routes-tls');
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.data).sort()).toEqual(['tls.cacrt', 'tls.crt', 'tls.key']);
    expect((await getConfig()).spec.routes).toEqual([{ name: 'public-routes', hostname: HOST, secretName: 'public-routes-tls' }]);
    const keyLine = readFileSync(join(SAMPLE, 'tls.key'), 'utf8').split('\n')[1];
    expect(await page.content()).not.toContain(keyLine);
    await page.reload();
    await expect(page.locator('tr[data-route="public-routes"] [data-certificate="own"]')).toContainText('public-routes-tls');
    expect(await page.content()).not.toContain(keyLine);
  });

  test('a registry CA: host..port, one change with the reference, removed with it', async ({ page }) => {
    test.setTimeout(120_000);
    await signIn(page, 'admin', '/ca-trust');
    await hydrated(page, '.change-forms');
    const form = page.locator('form[data-change-form="add-ca"]');
    await form.locator('input[name="host"]').fill('registry.example.com:5000');
    await expect(form.locator('[data-errors-for="host"]')).toContainText('registry.example.com..5000');
    await form.locator('input[name="host"]').fill('registry.example.com');
    await form.locator('input[name="port"]').fill('5000');
    await form.locator('input[name="pem.file"]').setInputFiles(join(SAMPLE, 'ca.crt'));
    await form.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-oc-command]').first()).toHaveText(
      "oc create configmap registry-config --from-file=registry.example.com..5000=ca.crt -n openshift-config");
    await applyWithReason(page, 'Guide 2.5: trust the registry CA');
    const entry = page.locator('[data-ca-key="registry.example.com..5000"]');
    await expect(entry).toContainText('registry.example.com:5000');
    await expect(entry).toContainText('Sandbox sample registry CA');
    expect((await getImageConfig()).spec.additionalTrustedCA).toEqual({ name: 'registry-config' });
    const remove = entry.locator('form[data-change-form="remove-ca"]');
    await remove.locator('input[name="whenEmpty"][value="unset"]').check();
    await remove.locator('[data-action="preview"]').click();
    await applyWithReason(page, 'the registry is gone');
    await expect(page.locator('[data-trusted-cas="none"]')).toBeVisible();
    expect((await getImageConfig()).spec.additionalTrustedCA).toBeUndefined();
    await expect(getConfigMap('registry-config')).rejects.toThrow(/404/);
  });

  test('viewers see both pages read-only, in English and Japanese', async ({ page }) => {
    await signIn(page, 'viewer', '/exposure');
    await expect(page.locator('[data-denied="change"]')).toBeVisible();
    // What is, and who changes it: no form they cannot use.
    await expect(page.locator('[data-read-only-summary="default-route"] [data-fact="spec.defaultRoute"]')).not.toBeEmpty();
    await expect(page.locator('[data-read-only-summary="add-route"]')).toContainText('admin');
    await expect(page.locator('form[data-change-form]')).toHaveCount(0);
    await page.goto('/lang/ja?return_to=/ca-trust');
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(page.locator('[data-denied="change"]')).toContainText('管理者ロール');
    await expect(page.locator('[data-read-only-summary="add-ca"]')).toContainText('管理者');
    await expect(page.locator('form[data-change-form]')).toHaveCount(0);
    await page.goto('/lang/en?return_to=/');
  });
});
