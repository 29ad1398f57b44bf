// The registry doctor in Chromium: a finding's fix link opens its form pre-filled, and
// applying it through the review clears the finding (a ReadWriteOnce claim with two
// replicas, Unmanaged, the pruner suspended); a viewer sees the same finding worded as
// what to ask an admin; both languages; axe.
import { test, expect } from '@playwright/test';
import { signIn, applyWithReason } from './sign-in.mjs';
import { patchConfig, resetStorage, remove } from './kube.mjs';
import { expectAccessible } from './a11y.mjs';
import https from 'node:https';
import { readFileSync } from 'node:fs';

const SHOTS = 'test-results/screens';
const NS = '/api/v1/namespaces/openshift-image-registry';

// A fixture the doctor then finds (as kubectl would write it).
function kube(method, path, body, type = 'application/json') {
  const text = readFileSync(process.env.KUBECONFIG, 'utf8');
  const field = (name) => Buffer.from(text.match(new RegExp(`${name}: (\\S+)`))[1], 'base64');
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, process.env.APISERVER_URL), {
      method, cert: field('client-certificate-data'), key: field('client-key-data'),
      ca: readFileSync(process.env.APISERVER_CA_FILE), headers: { 'content-type': type },
    }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => (res.statusCode >= 300 && res.statusCode !== 409 ? reject(new Error(`${path}: ${res.statusCode} ${data}`)) : resolve(data)));
    });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

const pruner = (suspend) => kube('PATCH', '/apis/imageregistry.operator.openshift.io/v1/imagepruners/cluster?fieldManager=kubectl-patch',
  { spec: { suspend } }, 'application/merge-patch+json');

/// The Overview, reloaded until `finding` is there (or gone, with `present` false).
async function overviewUntil(page, finding, present = true) {
  await expect(async () => {
    await page.goto('/');
    await expect(page.locator(`[data-finding="${finding}"]`)).toHaveCount(present ? 1 : 0, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
}

async function followFix(page, finding, reason) {
  const item = page.locator(`[data-finding="${finding}"]`);
  await item.locator('a[data-fix]').click();
  await expect(page.locator('[data-prefilled]')).toBeVisible();
  await page.locator('[data-action="preview"]').click();
  await applyWithReason(page, reason);
}

test.describe('the registry doctor', () => {
  test.afterAll(async () => {
    await pruner(false);
    await resetStorage();
    await remove(`${NS}/persistentvolumeclaims/doctor-e2e-block`);
  });

  test('a ReadWriteOnce claim with two replicas: the link pre-fills replicas 1, and applying it clears the finding', async ({ page, browser, baseURL }) => {
    test.setTimeout(180_000);
    await resetStorage();
    await kube('POST', `${NS}/persistentvolumeclaims`, {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'doctor-e2e-block' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'sandbox-block', resources: { requests: { storage: '1Gi' } } },
    });
    await patchConfig({ spec: { managementState: 'Managed', replicas: 2, rolloutStrategy: 'Recreate',
      storage: { pvc: { claim: 'doctor-e2e-block' } } } });
    await signIn(page, 'admin', '/');
    await overviewUntil(page, 'storage.rwo_replicas');
    const item = page.locator('[data-finding="storage.rwo_replicas"]');
    await expect(item).toHaveAttribute('data-severity', 'critical');
    await expect(item.locator('[data-oc-command]')).toContainText('"replicas":1');
    await expect(page.locator('[data-panel="doctor"] [data-summary]')).toContainText('problem');
    await page.screenshot({ path: `${SHOTS}/doctor-admin-en.png`, fullPage: true });
    await expectAccessible(page, 'doctor, admin, en');

    // The viewer: the same finding, worded as what to ask an admin; and in Japanese.
    const viewerContext = await browser.newContext({ baseURL, ignoreHTTPSErrors: true });
    const viewer = await viewerContext.newPage();
    await signIn(viewer, 'viewer', '/');
    await overviewUntil(viewer, 'storage.rwo_replicas');
    await expect(viewer.locator('[data-finding="storage.rwo_replicas"] [data-ask-admin]')).toContainText('Ask an admin to');
    await expect(viewer.locator('[data-finding="storage.rwo_replicas"] a[data-fix]')).toHaveCount(0);
    await expectAccessible(viewer, 'doctor, viewer, en');
    await viewer.goto('/lang/ja?return_to=/');
    await expect(viewer.locator('#doctor-heading')).toHaveText('診断結果');
    await expect(viewer.locator('[data-finding="storage.rwo_replicas"] [data-ask-admin]')).toContainText('管理者に依頼');
    await viewer.screenshot({ path: `${SHOTS}/doctor-viewer-ja.png`, fullPage: true });
    await expectAccessible(viewer, 'doctor, viewer, ja');
    await viewer.goto('/lang/en?return_to=/');
    await viewerContext.close();

    await followFix(page, 'storage.rwo_replicas', 'doctor: one replica on the block claim');
    await expect(page.locator('[data-follow-up="healthy"]')).toBeVisible({ timeout: 90_000 });
    await overviewUntil(page, 'storage.rwo_replicas', false);
  });

  test('Unmanaged: the link pre-fills Managed, and applying it clears the finding', async ({ page }) => {
    test.setTimeout(120_000);
    await resetStorage();
    await patchConfig({ spec: { managementState: 'Unmanaged', storage: { emptyDir: {} } } });
    await signIn(page, 'admin', '/');
    await overviewUntil(page, 'state.unmanaged');
    await followFix(page, 'state.unmanaged', 'doctor: the operator manages the registry again');
    await overviewUntil(page, 'state.unmanaged', false);
  });

  test('the pruner suspended: the link resumes it, and applying it clears the note', async ({ page }) => {
    test.setTimeout(120_000);
    await pruner(true);
    await signIn(page, 'admin', '/');
    await overviewUntil(page, 'pruner.suspended');
    await expect(page.locator('[data-finding="pruner.suspended"]')).toHaveAttribute('data-severity', 'info');
    const item = page.locator('[data-finding="pruner.suspended"]');
    await item.locator('a[data-fix]').click();
    await expect(page.locator('input[name="spec.suspend"]')).not.toBeChecked();
    await page.locator('[data-action="preview"]').click();
    await applyWithReason(page, 'doctor: prune again');
    await overviewUntil(page, 'pruner.suspended', false);
  });
});
