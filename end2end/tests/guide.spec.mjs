// The guide's procedures end to end on real parts: each is done in Chromium, then the
// client commands the console shows are run as they are, with Debian's podman, against
// Debian's docker-registry behind HAProxy, authorized by the API server. What the registry
// answers is never written here: digests are compared with what the registry serves, and
// a refusal with what the registry itself says.
import { test, expect } from '@playwright/test';
import { existsSync, readdirSync, readFileSync, writeFileSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signIn, hydrated, applyWithReason } from './sign-in.mjs';
import {
  patchConfig, resetStorage, listPods, deletePod, waitForNewPods, waitForNoPods,
  resetProject, serviceAccountToken, remove,
} from './kube.mjs';
import { client, clientOk, makeImage, servedDigest, pulledDigest, SANDBOX_DIR } from './client.mjs';

const DEFAULT_HOST = 'default-route-openshift-image-registry.apps.sandbox.example';
const CUSTOM_HOST = 'registry.apps.sandbox.example';
const SAMPLE = join(SANDBOX_DIR, 'sample-route-tls');
const NS = '/api/v1/namespaces/openshift-image-registry';

let serial = 0;
/// A name no other test (or earlier run) pushed.
const unique = (what) => `${what}-${Date.now().toString(36)}-${(serial += 1)}`;

/// Storage set up in the storage wizard (guide 3.4, 3.1), the default route on.
async function storageInWizard(page, path, fill = async () => {}) {
  await resetStorage();
  await patchConfig({ spec: { defaultRoute: true, routes: null, readOnly: false } });
  await signIn(page, 'admin', '/storage');
  await hydrated(page, '.storage-wizard');
  await page.locator(`input[name="path"][value="${path}"]`).check();
  await fill();
  await page.locator('[data-action="preview"]').click();
  await applyWithReason(page, `e2e: the guide's ${path} storage`);
  await expect(page.locator('[data-follow-up="healthy"]')).toBeVisible({ timeout: 90_000 });
}

/// The push commands the Exposure page shows for `host`, for `project/image:tag` made
/// from the local image `local`.
async function shownCommands(page, host, { local, project, image, tag = 'latest' }) {
  const query = new URLSearchParams({ local, project, image, tag });
  await page.goto(`/exposure?${query}#commands-heading`);
  const block = page.locator(`[data-commands-for="${host}"] pre code`);
  await expect(block).toBeVisible();
  return block.textContent();
}

/// Makes an image, runs the page's commands for it as they are, and checks that what the
/// registry serves is what podman pulls back. Returns the pushed reference.
async function pushWithShownCommands(page, { host = DEFAULT_HOST, project = 'e2e-guide', cwd, identity } = {}) {
  const name = unique('img');
  const local = `${name}-local:latest`;
  await makeImage(`localhost/${local}`, `${name} ${Math.random()}`);
  const commands = await shownCommands(page, host, { local, project, image: name });
  await clientOk(commands, { hosts: [host], cwd, identity });
  const reference = `${project}/${name}:latest`;
  const served = await servedDigest(host, reference, identity);
  const insecure = host === DEFAULT_HOST;
  expect(await pulledDigest(`${host}/${reference}`, { insecure, identity, hosts: [host] })).toBe(served);
  return reference;
}

async function replaceThePods() {
  const old = (await listPods()).map((p) => p.metadata.name);
  expect(old.length).toBeGreaterThan(0);
  for (const name of old) await deletePod(name);
  await waitForNewPods(old);
}

/// The registry's status code for the manifest of `reference` at the default route.
async function manifestStatus(reference) {
  const [repository, tag] = reference.split(':');
  const out = await clientOk(
    `curl -sk -o /dev/null -w '%{http_code}' -u "x:$(oc whoami -t)" -I 'https://${DEFAULT_HOST}/v2/${repository}/manifests/${tag}'`,
    { hosts: [DEFAULT_HOST] });
  return out.trim();
}

test.describe('the guide on real parts', () => {
  test.afterAll(async () => {
    await resetStorage();
    await patchConfig({ spec: { defaultRoute: false, routes: null, readOnly: false } });
    await remove(`${NS}/secrets/public-routes-tls`);
  });

  test('emptyDir (3.4.5): an image pushed is gone when the pod is replaced', async ({ page }) => {
    test.setTimeout(180_000);
    await storageInWizard(page, 'emptyDir', () => page.locator('input[name="confirm.emptyDir"]').check());
    const reference = await pushWithShownCommands(page);
    await replaceThePods();
    expect(await manifestStatus(reference)).toBe('404');
    const pull = await client(`podman pull --tls-verify=false '${DEFAULT_HOST}/${reference}'`, { hosts: [DEFAULT_HOST] });
    expect(pull.code).not.toBe(0);
  });

  for (const [path, fill] of [
    ['pvc', async () => {}],
    ['block', async (page) => {
      await page.locator('input[name="claim.name"]').fill('registry-block');
      await page.locator('input[name="claim.storageClassName"]').fill('sandbox-block');
      await page.locator('input[name="claim.size"]').fill('10Gi');
    }],
  ]) {
    test(`${path === 'pvc' ? 'shared' : 'block'} storage (3.4): an image pushed outlives its pod`, async ({ page }) => {
      test.setTimeout(180_000);
      await storageInWizard(page, path, () => fill(page));
      const reference = await pushWithShownCommands(page);
      const before = await servedDigest(DEFAULT_HOST, reference);
      await replaceThePods();
      expect(await servedDigest(DEFAULT_HOST, reference)).toBe(before);
      expect(await pulledDigest(`${DEFAULT_HOST}/${reference}`, { insecure: true, hosts: [DEFAULT_HOST] })).toBe(before);
    });
  }

  test('S3 (3.1): the blobs are in the bucket; keys rotated at the S3 side fail the registry, shown, and the console\'s rotation brings it back', async ({ page }) => {
    test.setTimeout(240_000);
    const bucket = unique('e2e-bucket');
    await storageInWizard(page, 's3', async () => {
      await page.locator('input[name="spec.storage.s3.bucket"]').fill(bucket);
      await page.locator('input[name="spec.storage.s3.region"]').fill('us-east-1');
      await page.locator('input[name="spec.storage.s3.regionEndpoint"]').fill(process.env.S3_ENDPOINT);
      await page.locator('input[name="secret.REGISTRY_STORAGE_S3_ACCESSKEY"]').fill(process.env.S3_ACCESS_KEY);
      await page.locator('input[name="secret.REGISTRY_STORAGE_S3_SECRETKEY"]').fill(process.env.S3_SECRET_KEY);
    });
    const reference = await pushWithShownCommands(page);
    const digest = await servedDigest(DEFAULT_HOST, reference);
    // The manifest is a blob too: in the bucket, under the registry's layout.
    const blobs = join(SANDBOX_DIR, 's3', bucket, 'docker/registry/v2/blobs/sha256');
    const hex = digest.replace('sha256:', '');
    expect(existsSync(join(blobs, hex.slice(0, 2), hex, 'data'))).toBe(true);
    expect(readdirSync(blobs).length).toBeGreaterThan(1);

    // The keys are rotated at the S3 side: the running registry's storage check fails and
    // the operator's bucket check fails with the server's error, which the Overview shows.
    const keys = join(SANDBOX_DIR, 's3', '.credentials');
    const original = readFileSync(keys, 'utf8');
    writeFileSync(keys, 'ROTATEDACCESSKEY1:rotated-secret-key\n');
    try {
      await page.goto('/');
      await expect(async () => {
        await page.reload();
        await expect(page.locator('tr[data-condition="StorageExists"]').first()).toHaveAttribute('data-status', 'False', { timeout: 1_000 });
      }).toPass({ timeout: 60_000 });
      // The reason column (the row's heading is the condition's type).
      const reason = (await page.locator('tr[data-condition="StorageExists"]').first().locator('td').nth(1).textContent()).trim();
      expect(reason.length).toBeGreaterThan(0);
      await expect(page.locator('tr[data-condition="Progressing"]').first()).toContainText(reason);
      const failing = await client(`podman pull --tls-verify=false '${DEFAULT_HOST}/${reference}'`, { hosts: [DEFAULT_HOST] });
      expect(failing.code).not.toBe(0);

      // The console's rotation puts the new keys in the Secret: the registry is back.
      await page.goto('/storage');
      await hydrated(page, '.storage-wizard');
      await page.locator('input[name="intent"][value="rotate"]').check();
      await page.locator('input[name="secret.REGISTRY_STORAGE_S3_ACCESSKEY"]').fill('ROTATEDACCESSKEY1');
      await page.locator('input[name="secret.REGISTRY_STORAGE_S3_SECRETKEY"]').fill('rotated-secret-key');
      await page.locator('[data-action="preview"]').click();
      await applyWithReason(page, 'e2e: the keys the S3 side rotated to');
      await expect(async () => {
        await page.goto('/');
        await expect(page.locator('tr[data-condition="StorageExists"]').first()).toHaveAttribute('data-status', 'True', { timeout: 1_000 });
        await expect(page.locator('tr[data-condition="Available"]').first()).toHaveAttribute('data-status', 'True', { timeout: 1_000 });
      }).toPass({ timeout: 90_000 });
      expect(await pulledDigest(`${DEFAULT_HOST}/${reference}`, { insecure: true, hosts: [DEFAULT_HOST] })).toBe(digest);
    } finally {
      writeFileSync(keys, original);
    }
  });

  test('readOnly (3.5): a push is refused with the registry\'s own answer, a pull still works', async ({ page }) => {
    test.setTimeout(180_000);
    await storageInWizard(page, 'pvc');
    const reference = await pushWithShownCommands(page);
    await page.goto('/configuration');
    await hydrated(page, '.change-forms');
    await page.locator('input[name="spec.readOnly"]').check();
    await page.locator('[data-action="preview"]').click();
    await applyWithReason(page, 'e2e: maintenance, read only');
    await expect(page.locator('[data-follow-up="healthy"]')).toBeVisible({ timeout: 90_000 });
    // What the registry says to an upload, asked directly.
    const answer = await clientOk(
      `curl -sk -u "x:$(oc whoami -t)" -X POST -w ' %{http_code}' 'https://${DEFAULT_HOST}/v2/e2e-guide/readonly/blobs/uploads/'`,
      { hosts: [DEFAULT_HOST] });
    const [, body, status] = answer.trim().match(/^(.*) (\d{3})$/s);
    expect(status.startsWith('4')).toBe(true);
    const name = unique('ro');
    await makeImage(`localhost/${name}:latest`, name);
    const push = await client(`podman push --tls-verify=false localhost/${name}:latest '${DEFAULT_HOST}/e2e-guide/${name}:latest'`, { hosts: [DEFAULT_HOST] });
    expect(push.code).not.toBe(0);
    expect(push.output).toContain(body.trim());
    expect(push.output).toContain(status);
    expect(await pulledDigest(`${DEFAULT_HOST}/${reference}`, { insecure: true, hosts: [DEFAULT_HOST] }))
      .toBe(await servedDigest(DEFAULT_HOST, reference));
  });

  test('routes (6.1): the default route needs --tls-verify=false; a custom route with its CA verifies', async ({ page }) => {
    test.setTimeout(180_000);
    await storageInWizard(page, 'pvc');
    // Without the flag, the ingress default certificate is not trusted.
    const strict = await client(`podman login -u openshift -p "$(oc whoami -t)" ${DEFAULT_HOST}`, { hosts: [DEFAULT_HOST] });
    expect(strict.code).not.toBe(0);
    expect(strict.output).toMatch(/x509|certificate/);

    await remove(`${NS}/secrets/public-routes-tls`);
    await page.goto('/exposure');
    await hydrated(page, '.change-forms');
    const form = page.locator('form[data-change-form="add-route"]');
    await form.locator('input[name="name"]').fill('public-routes');
    await form.locator('input[name="hostname"]').fill(CUSTOM_HOST);
    await form.locator('input[name="certificate.file"]').setInputFiles(join(SAMPLE, 'tls.crt'));
    await form.locator('input[name="key.file"]').setInputFiles(join(SAMPLE, 'tls.key'));
    await form.locator('input[name="caCertificate.file"]').setInputFiles(join(SAMPLE, 'ca.crt'));
    await form.locator('[data-action="preview"]').click();
    await applyWithReason(page, 'e2e: the registry at its own host');
    // The page's certs.d step, from a directory holding ca.crt as the page assumes.
    const cwd = mkdtempSync(join(tmpdir(), 'registry-ca-'));
    copyFileSync(join(SAMPLE, 'ca.crt'), join(cwd, 'ca.crt'));
    const commands = await shownCommands(page, CUSTOM_HOST, { local: 'x:latest', project: 'p', image: 'x' });
    expect(commands).toContain('/etc/containers/certs.d/');
    expect(commands).not.toContain('--tls-verify=false');
    await pushWithShownCommands(page, { host: CUSTOM_HOST, cwd });
    // The machine's own /etc/containers is untouched.
    expect(existsSync(`/etc/containers/certs.d/${CUSTOM_HOST}`)).toBe(false);
    // And its certificate is the Route's own.
    const served = await clientOk(
      `echo | openssl s_client -connect ${CUSTOM_HOST}:443 -servername ${CUSTOM_HOST} 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
      { hosts: [CUSTOM_HOST] });
    const own = await clientOk(`openssl x509 -noout -fingerprint -sha256 -in '${join(SAMPLE, 'tls.crt')}'`);
    expect(served.trim()).toBe(own.trim());
  });

  test('access (5.1): registry-viewer pulls, registry-editor pushes, a revoked account does neither', async ({ page }) => {
    test.setTimeout(240_000);
    const project = 'team-e2e-pull';
    await resetProject(project);
    await storageInWizard(page, 'pvc');
    const pusher = await serviceAccountToken(project, 'e2e-pusher');
    // An image in the project, pushed by the sandbox's own client (registry-editor).
    const reference = await pushWithShownCommands(page, { project });
    // The guide's `-u $(oc whoami)` cannot sign a service account in: its name has colons,
    // which a registry login (HTTP Basic) cannot carry. Hence the console's fixed word.
    const guides = await client(`podman login --tls-verify=false -u "$(oc whoami)" -p "$(oc whoami -t)" ${DEFAULT_HOST}`,
      { identity: pusher, hosts: [DEFAULT_HOST] });
    expect(guides.code).not.toBe(0);
    // Signed in first (any service account token authenticates), so that what follows is
    // about what the account may do.
    await clientOk(`podman login --tls-verify=false -u openshift -p "$(oc whoami -t)" ${DEFAULT_HOST}`,
      { identity: pusher, hosts: [DEFAULT_HOST] });
    const pull = () => client(`podman rmi -f '${DEFAULT_HOST}/${reference}' >/dev/null 2>&1 || true
podman pull --tls-verify=false '${DEFAULT_HOST}/${reference}'`, { identity: pusher, hosts: [DEFAULT_HOST] });
    const push = async () => {
      const name = unique('by-pusher');
      await makeImage(`localhost/${name}:latest`, name);
      return client(`podman push --tls-verify=false localhost/${name}:latest '${DEFAULT_HOST}/${project}/${name}:latest'`,
        { identity: pusher, hosts: [DEFAULT_HOST] });
    };
    const can = async (expected) => {
      const [pulled, pushed] = [await pull(), await push()];
      const said = `pull:\n${pulled.output}\npush:\n${pushed.output}`;
      expect([pulled.code === 0, pushed.code === 0], said).toEqual(expected);
      // A refusal is the registry's authorization, not a failed sign-in.
      expect(said).not.toContain('invalid username/password');
    };
    await can([false, false]);

    const grant = async (role) => {
      await page.goto('/access');
      await hydrated(page, '.change-forms');
      const form = page.locator('form[data-change-form="grant"]');
      await form.locator('select[name="role"]').selectOption(role);
      await form.locator('input[name="kind"][value="ServiceAccount"]').check();
      await form.locator('input[name="name"]').fill('e2e-pusher');
      await form.locator('input[name="saNamespace"]').fill(project);
      await form.locator('input[name="project"]').fill(project);
      await form.locator('[data-action="preview"]').click();
      await applyWithReason(page, `e2e: ${role} for the pusher`);
    };
    const revoke = async (role) => {
      await page.goto('/access');
      await hydrated(page, '.change-forms');
      const row = page.locator(`tr[data-subject="${pusher.user}"][data-where="${project}"][data-role="${role}"]`);
      await row.locator('[data-action="preview"]').click();
      await applyWithReason(page, `e2e: no more ${role} for the pusher`);
    };
    await grant('registry-viewer');
    await can([true, false]);
    await grant('registry-editor');
    await can([true, true]);
    await revoke('registry-viewer');
    await revoke('registry-editor');
    await can([false, false]);
    await resetProject(project);
  });

  test('Removed (3.5.2): the registry pods go, and a push fails', async ({ page }) => {
    test.setTimeout(180_000);
    await storageInWizard(page, 'pvc');
    await pushWithShownCommands(page);
    await page.goto('/configuration');
    await hydrated(page, '.change-forms');
    await page.locator('input[name="spec.managementState"][value="Removed"]').check();
    await page.locator('input[name="confirm.removed"]').check();
    await page.locator('[data-action="preview"]').click();
    await applyWithReason(page, 'e2e: the registry is not needed');
    await waitForNoPods();
    const name = unique('after-removed');
    await makeImage(`localhost/${name}:latest`, name);
    const push = await client(`podman push --tls-verify=false localhost/${name}:latest '${DEFAULT_HOST}/e2e-guide/${name}:latest'`);
    expect(push.code).not.toBe(0);
  });

  test('metrics (5.5): after pushes, the Overview\'s charts show them', async ({ page }) => {
    test.setTimeout(180_000);
    await storageInWizard(page, 'pvc');
    await page.goto('/');
    for (let i = 0; i < 2; i += 1) await pushWithShownCommands(page);
    await page.goto('/');
    // The request-rate chart's table: a series with requests in it.
    await expect(async () => {
      await page.reload();
      const values = await page.locator('[data-chart="request-rate"] .chart-table tbody td:nth-child(3)').allTextContents();
      expect(values.some((v) => parseFloat(v) > 0)).toBe(true);
    }).toPass({ timeout: 90_000 });
  });
});
