// An audited version of the Config, compared with the Config as it is now and restored
// through the shared review; the restore's entry links the version it restored. Auditors
// see the versions and the comparison, not the restore. axe for admin and auditor in both
// languages.
import { test, expect } from '@playwright/test';
import { signIn, hydrated } from './sign-in.mjs';
import { getConfig, patchConfig } from './kube.mjs';
import { expectAccessible } from './a11y.mjs';

const RESET = { spec: { managementState: 'Removed', storage: { emptyDir: null }, replicas: 1, logLevel: 'Normal', operatorLogLevel: 'Normal' } };

test.describe('restore', () => {
  test.afterEach(async () => {
    await patchConfig(RESET);
  });

  test('compare a version with now, restore it, and find the restore linked to it; auditors compare only', async ({ page, browser }) => {
    test.setTimeout(120_000);
    await patchConfig(RESET);

    // The version: debug logs, set in the Configuration page.
    await signIn(page, 'admin', '/configuration');
    await hydrated(page, '.change-forms');
    await page.locator('select[name="spec.logLevel"]').selectOption('Debug');
    await page.locator('[data-action="preview"]').click();
    const review = page.locator('[data-review="preview"]');
    await expect(review.locator('[data-dry-run="accepted"]')).toBeVisible();
    await review.locator('textarea[name="reason"]').fill('debug logs for the upload ticket');
    await review.locator('[data-action="apply"]').click();
    const applied = page.locator('[data-review="applied"]');
    await expect(applied).toBeVisible();
    const version = await applied.getAttribute('data-change');
    // Then changed outside the console, as `kubectl patch` would.
    await patchConfig({ spec: { logLevel: 'Trace', operatorLogLevel: 'Debug' } });

    // The Config's versions, reached from the Configuration page, then the version's
    // entry, its row there, compared with now.
    await page.locator('[data-action="versions"]').click();
    await expect(page.locator(`[data-versions] tr[data-version="${version}"]`)).toBeVisible();
    // The newest version is the one compared by default.
    await expect(page.locator('[data-versions] input[name="compare"]').first()).toBeChecked();
    await expectAccessible(page, 'versions of the Config, admin, en');
    const versions = page.locator('[data-history="Config cluster"]');
    // The page is rendered once: opened again until the recorder has seen the patch.
    await expect(async () => {
      await page.goto(`/audit?change=${version}`);
      await expect(versions.locator('tr[data-source="outside"]').first()).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await versions.locator(`tr[data-version="${version}"] [data-action="compare-now"]`).click();
    const comparison = page.locator(`[data-compare="${version}"]`);
    await expect(comparison.locator('tr[data-path="spec.logLevel"] .before')).toHaveText('Debug');
    await expect(comparison.locator('tr[data-path="spec.logLevel"] .after')).toHaveText('Trace');
    await expect(comparison.locator('tr[data-path="spec.operatorLogLevel"] .after')).toHaveText('Debug');
    await hydrated(page, '.change-forms');
    await page.screenshot({ path: 'test-results/screens/restore-compare-en.png', fullPage: true });
    await expectAccessible(page, 'version compared with now, admin, en');

    // Restore: the review shows what it sets back, with the reason it suggests.
    await comparison.locator('[data-action="preview"]').click();
    const restoreReview = page.locator('[data-review="preview"]');
    await expect(restoreReview.locator('[data-dry-run="accepted"]')).toBeVisible();
    await expect(restoreReview.locator('tbody tr')).toHaveCount(2);
    await expect(restoreReview.locator('tr[data-path="spec.logLevel"] .after')).toHaveText('Debug');
    await expect(restoreReview.locator('textarea[name="reason"]')).toHaveValue(/^Restore the version of .* by Sandbox Admin$/);
    await page.screenshot({ path: 'test-results/screens/restore-review-en.png', fullPage: true });
    await expectAccessible(page, 'restore review, admin, en');
    await restoreReview.locator('[data-action="apply"]').click();
    const restored = page.locator('[data-review="applied"]');
    await expect(restored).toBeVisible();
    const restore = await restored.getAttribute('data-change');
    await expect(page.locator('[data-follow-up="healthy"]')).toBeVisible({ timeout: 60_000 });
    const now = (await getConfig()).spec;
    expect([now.logLevel, now.operatorLogLevel]).toEqual(['Debug', 'Normal']);
    // The page continues from the new version: nothing left to restore.
    await expect(page.locator('[data-restore="none"]')).toHaveAttribute('data-why', 'Same');

    // The restore's entry links the version it restored.
    await page.goto(`/audit?change=${restore}`);
    await page.locator(`[data-entry="${restore}"] [data-restores="${version}"]`).click();
    await expect(page.locator(`[data-entry="${version}"]`)).toBeVisible();

    // In Japanese.
    await page.goto(`/lang/ja?return_to=${encodeURIComponent(`/audit?compare=${version}:0&with=${restore}`)}`);
    await expect(page.locator('#compare-heading')).toHaveText('Config cluster の版の比較');
    await expect(page.locator('[data-compare-diff="none"]')).toHaveText('違うフィールドはありません。');
    await page.screenshot({ path: 'test-results/screens/restore-compare-ja.png', fullPage: true });
    await expectAccessible(page, 'versions compared, admin, ja');
    await page.goto(`/lang/en?return_to=${encodeURIComponent('/audit')}`);

    // The auditor: the versions and the comparison, no restore.
    const context = await browser.newContext();
    const auditor = await context.newPage();
    await signIn(auditor, 'auditor', `/audit?change=${version}`);
    await auditor.locator(`[data-history="Config cluster"] tr[data-version="${version}"] [data-action="compare-now"]`).click();
    await expect(auditor.locator(`[data-compare="${version}"]`)).toBeVisible();
    await expect(auditor.locator('[data-change-form="restore"]')).toHaveCount(0);
    await expect(auditor.locator('[data-restore="none"]')).toHaveAttribute('data-why', 'NotAdmin');
    await expectAccessible(auditor, 'version compared, auditor, en');
    // Two versions chosen in the table: the version against the restore.
    await auditor.goto(`/audit?change=${version}`);
    const table = auditor.locator('[data-history="Config cluster"]');
    await table.locator(`tr[data-version="${restore}"] input[name="with"]`).check();
    await table.locator('[data-action="compare"]').click();
    await expect(auditor.locator(`[data-compare="${version}"] [data-side="with"] a`)).toHaveAttribute('data-version-link', restore);
    await auditor.goto(`/lang/ja?return_to=${encodeURIComponent(`/audit?compare=${version}:0`)}`);
    await expect(auditor.locator('[data-restore="none"]')).toHaveText('版を復元できるのは管理者だけです。');
    await auditor.screenshot({ path: 'test-results/screens/restore-compare-auditor-ja.png', fullPage: true });
    await expectAccessible(auditor, 'version compared, auditor, ja');
    await context.close();

    // Viewers cannot open the audit trail, so the Configuration page offers no link to it.
    const viewerContext = await browser.newContext();
    const viewer = await viewerContext.newPage();
    await signIn(viewer, 'viewer', '/configuration');
    await expect(viewer.locator('h1')).toHaveText('Configuration');
    await expect(viewer.locator('[data-action="versions"]')).toHaveCount(0);
    await viewerContext.close();
  });
});
