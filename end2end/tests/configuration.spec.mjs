// The guide's "change the management state from Removed to Managed" (3.5.2) done in the
// Configuration page, then found, exported and verified by the auditor.
import { test, expect } from '@playwright/test';
import { signIn, hydrated } from './sign-in.mjs';
import { getConfig, patchConfig } from './kube.mjs';
import { expectAccessible } from './a11y.mjs';

const GUIDE_PATCH = `oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"managementState":"Managed"}}'`;

test.describe('configuration', () => {
  test.afterEach(async () => {
    // Back to the bare-metal starting point for the other tests.
    await patchConfig({ spec: { managementState: 'Removed', storage: { emptyDir: null }, replicas: 1, logLevel: 'Normal' } });
  });

  test('Removed → Managed: diff, oc command, dry run, apply, follow-up; the auditor finds, exports and verifies it', async ({ page, browser }) => {
    test.setTimeout(120_000);
    // Bare metal after installation (Removed), with the guide's non-production storage
    // (3.4.5: emptyDir) set with oc, outside the console.
    await patchConfig({ spec: { managementState: 'Removed', storage: { emptyDir: {} }, replicas: 1 } });

    await signIn(page, 'admin', '/configuration');
    await hydrated(page, '.change-forms');
    await expect(page.locator('h1')).toHaveText('Configuration');
    await expect(page.locator('[data-storage]')).toHaveAttribute('data-storage', 'emptyDir');
    await expect(page.locator('input[name="spec.managementState"][value="Removed"]')).toBeChecked();

    // A bad number is named as it is typed, refused with the field named, and nothing is
    // changed.
    const before = (await getConfig()).metadata.resourceVersion;
    await page.locator('input[name="spec.replicas"]').fill('two');
    await expect(page.locator('[data-errors-for="spec.replicas"]')).toHaveText('`two` is not a whole number. Enter digits only, e.g. 2.');
    await page.locator('[data-action="preview"]').click();
    // Named once, next to the field (the message does not repeat the field's path).
    await expect(page.locator('[data-errors-for="spec.replicas"]')).toHaveText('`two` is not a whole number. Enter digits only, e.g. 2.');
    await expect(page.locator('[data-violations="error"] li')).toHaveText('spec.replicas `two` is not a whole number. Enter digits only, e.g. 2.');
    await expect(page.locator('input[name="spec.replicas"]')).toHaveAttribute('aria-invalid', 'true');
    await page.locator('input[name="spec.replicas"]').fill('1');

    await page.locator('input[name="spec.managementState"][value="Managed"]').check();
    // From the keyboard: Enter in a field previews, and focus lands on the result (the
    // Preview button is disabled while the request runs, so it cannot keep it).
    await page.locator('input[name="spec.replicas"]').press('Enter');
    const review = page.locator('[data-review="preview"]');
    await expect(review).toBeVisible();
    await expect(page.locator('[data-review-region]')).toBeFocused();
    const row = review.locator('tr[data-path="spec.managementState"]');
    await expect(row.locator('.before')).toHaveText('Removed');
    await expect(row.locator('.after')).toHaveText('Managed');
    await expect(review.locator('tbody tr')).toHaveCount(1);
    await expect(review.locator('[data-oc-command]')).toHaveText(GUIDE_PATCH);
    await expect(review.locator('[data-dry-run="accepted"]')).toBeVisible();
    await expect(review.locator('[data-violations="warning"]')).toContainText('not for production');
    expect((await getConfig()).metadata.resourceVersion).toBe(before);

    // The reason is required.
    await review.locator('textarea[name="reason"]').fill('short');
    await review.locator('[data-action="apply"]').click();
    await expect(review.locator('[data-review="reason"]')).toBeVisible();
    expect((await getConfig()).metadata.resourceVersion).toBe(before);

    const stamp = `e2e-${Date.now()}`;
    const reason = `Guide 3.5.2: start the registry (${stamp})`;
    await review.locator('textarea[name="reason"]').fill(reason);
    await review.locator('[data-action="apply"]').click();
    const applied = page.locator('[data-review="applied"]');
    await expect(applied).toBeVisible();
    const changeId = await applied.getAttribute('data-change');
    await expect(page.locator('[data-follow-up="healthy"]')).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('[data-follow-up="healthy"] tr[data-condition="Available"]')).toHaveAttribute('data-status', 'True');
    expect((await getConfig()).spec.managementState).toBe('Managed');
    // The page continues from the new version.
    await expect(page.locator('input[name="spec.managementState"][value="Managed"]')).toBeChecked();

    // The auditor, in another browser context.
    const auditorContext = await browser.newContext();
    const auditor = await auditorContext.newPage();
    await signIn(auditor, 'auditor', '/audit');
    const entry = auditor.locator(`tr[data-change="${changeId}"]`);
    await expect(entry).toContainText(reason);
    await expect(entry).toContainText('Sandbox Admin');
    await expect(entry).toHaveAttribute('data-outcome', 'healthy');

    // The entry in full: intent, result and follow-up, with the diff and the oc command.
    await entry.locator('[data-action="details"]').click();
    const detail = auditor.locator(`[data-entry="${changeId}"]`);
    await expect(detail.locator('article[data-event]')).toHaveCount(3);
    await expect(detail.locator('article[data-event="intent"] tr[data-path="spec.managementState"] .after')).toHaveText('Managed');
    await expect(detail.locator('article[data-event="intent"] [data-oc-command]')).toHaveText(GUIDE_PATCH);
    await expect(detail.locator('article[data-event="intent"]')).toContainText(reason);
    await expect(detail.locator('article[data-event="follow_up"] .badge')).toHaveText('Applied, healthy');
    // The Config's versions: this change marked, with the field it changed; the emptyDir
    // set with oc before it is an older version, linked to its own entry.
    const versions = detail.locator('[data-history="Config cluster"]');
    const current = versions.locator(`tr[data-version="${changeId}"]`);
    await expect(current).toHaveAttribute('aria-current', 'true');
    await expect(current).toContainText('spec.managementState');
    await expect(versions.locator('tr[data-source="outside"] a[data-action="version"]').first()).toBeVisible();
    await auditor.screenshot({ path: 'test-results/screens/audit-versions-en.png', fullPage: true });
    await expectAccessible(auditor, 'audit entry with versions, auditor, en');
    await auditor.goto(`/lang/ja?return_to=${encodeURIComponent(`/audit?change=${changeId}`)}`);
    await expect(auditor.locator('[data-history="Config cluster"] h3')).toHaveText('Config cluster の版');
    await auditor.screenshot({ path: 'test-results/screens/audit-versions-ja.png', fullPage: true });
    await expectAccessible(auditor, 'audit entry with versions, auditor, ja');
    await auditor.goto(`/lang/en?return_to=${encodeURIComponent(`/audit?change=${changeId}`)}`);

    const [download] = await Promise.all([
      auditor.waitForEvent('download'),
      auditor.locator('[data-action="export-jsonl"]').click(),
    ]);
    const lines = (await (await download.createReadStream()).toArray()).join('').trim().split('\n').map((l) => JSON.parse(l));
    const events = lines.filter((e) => e.change_id === changeId);
    expect(events.map((e) => e.kind)).toEqual(['intent', 'result', 'follow_up']);
    expect(events[0].reason).toBe(reason);

    // Filtered by text, the page and the export hold this change only.
    await auditor.goto(`/audit?text=${stamp}`);
    await expect(auditor.locator('tr[data-change]')).toHaveCount(1);
    const [filtered] = await Promise.all([
      auditor.waitForEvent('download'),
      auditor.locator('[data-action="export-jsonl"]').click(),
    ]);
    const only = (await (await filtered.createReadStream()).toArray()).join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(only.map((e) => e.change_id)).toEqual([changeId, changeId, changeId]);

    await auditor.locator('[data-action="verify-chain"]').click();
    await expect(auditor.locator('[data-chain="intact"]')).toBeVisible();
    await auditorContext.close();
  });

  test('changed underneath: the conflict shows it, and my edit is re-applied on top without reverting it', async ({ page }) => {
    await patchConfig({ spec: { managementState: 'Removed', logLevel: 'Normal', operatorLogLevel: 'Normal' } });
    await signIn(page, 'admin', '/configuration');
    await hydrated(page, '.change-forms');
    await page.locator('select[name="spec.operatorLogLevel"]').selectOption('Debug');
    // Someone else changes another field meanwhile.
    await patchConfig({ spec: { logLevel: 'Trace' } });
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="conflict"]')).toContainText('spec.logLevel');
    await page.locator('[data-action="reapply"]').click();
    // The edit stays in the form; the preview is against the newer version.
    await expect(page.locator('select[name="spec.operatorLogLevel"]')).toHaveValue('Debug');
    await page.locator('[data-action="preview"]').click();
    const review = page.locator('[data-review="preview"]');
    await expect(review.locator('tbody tr')).toHaveCount(1);
    await expect(review.locator('tr[data-path="spec.operatorLogLevel"] .after')).toHaveText('Debug');
    await review.locator('textarea[name="reason"]').fill('more operator logs, keeping the new log level');
    await review.locator('[data-action="apply"]').click();
    await expect(page.locator('[data-review="applied"]')).toBeVisible();
    const spec = (await getConfig()).spec;
    expect([spec.logLevel, spec.operatorLogLevel]).toEqual(['Trace', 'Debug']);
    await patchConfig({ spec: { operatorLogLevel: 'Normal' } });
  });

  test('a viewer sees the configuration but cannot change it', async ({ page }) => {
    await signIn(page, 'viewer', '/configuration');
    await hydrated(page, '.change-forms');
    await expect(page.locator('[data-denied="change"]')).toBeVisible();
    // The settings as they are, labelled as in the form, instead of a form they cannot use.
    await expect(page.locator('[data-read-only-summary="config"] [data-fact="spec.managementState"]')).not.toBeEmpty();
    await expect(page.locator('[data-read-only-summary="config"] dt').first()).toContainText('spec.managementState');
    await expect(page.locator('input[name="spec.replicas"]')).toHaveCount(0);
    await expect(page.locator('[data-action="preview"]')).toHaveCount(0);
  });
});
