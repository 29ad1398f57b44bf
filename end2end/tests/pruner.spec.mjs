// The Pruner page in Chromium: the next runs of the schedule (in the browser's time zone
// too), suspending the pruner through the change review, the next runs gone, and the
// change in the audit trail.
import { test, expect } from '@playwright/test';
import { signIn, hydrated } from './sign-in.mjs';
import { getPruner, resetPruner } from './kube.mjs';

test.describe('pruner', () => {
  test.beforeEach(async () => { await resetPruner(); });
  test.afterAll(async () => { await resetPruner(); });

  test('suspend the pruner: the next runs disappear and the audit entry appears', async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page, 'admin', '/pruner');
    await hydrated(page, '.change-forms');
    await expect(page.locator('[data-next-runs] li')).toHaveCount(3);
    // In the browser's time zone once the island runs, UTC to the second on hover, no
    // milliseconds anywhere.
    const next = page.locator('[data-next-runs] li time').first();
    await expect(next).not.toHaveAttribute('data-local', /.*/);
    await expect(next).toHaveAttribute('title', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(await next.textContent()).not.toMatch(/\.\d{3}/);
    await expect(page.locator('[data-management-state]')).toContainText('--prune-registry');
    const form = page.locator('form[data-change-form="pruner"]');
    await form.locator('input[name="spec.schedule"]').fill('every night');
    await expect(form.locator('[data-errors-for="spec.schedule"]')).toContainText('is not a cron schedule');
    await form.locator('input[name="spec.schedule"]').fill('0 0 * * *');
    await form.locator('input[name="spec.suspend"]').check();
    await form.locator('[data-action="preview"]').click();
    const review = page.locator('[data-review="preview"]');
    await expect(review.locator('[data-oc-command]')).toHaveText(
      `oc patch imagepruners.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"suspend":true}}'`);
    await expect(review.locator('[data-dry-run="accepted"]')).toBeVisible();
    const reason = `Pause pruning during the migration (e2e ${Date.now()})`;
    await review.locator('textarea[name="reason"]').fill(reason);
    await review.locator('[data-action="apply"]').click();
    await expect(page.locator('[data-review="applied"]')).toBeVisible();
    await expect(page.locator('[data-next-runs="suspended"]')).toBeVisible();
    expect((await getPruner()).spec.suspend).toBe(true);
    await page.goto(`/audit?text=${encodeURIComponent('during the migration')}`);
    await expect(page.locator('tr[data-change]').first()).toContainText('Pause pruning during the migration');
  });
});
