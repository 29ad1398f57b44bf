// The Access page in Chromium (guide 5.1): what each role allows, a grant of
// registry-viewer to a user in a project (checked as typed, reviewed with the oc policy
// command, applied), listed, then revoked, which deletes the binding it empties.
import { test, expect } from '@playwright/test';
import { signIn, hydrated, applyWithReason } from './sign-in.mjs';
import { resetProject, getRoleBinding } from './kube.mjs';

const PROJECT = 'team-e2e';

test.describe('access', () => {
  test.beforeEach(async () => { await resetProject(PROJECT); });
  test.afterAll(async () => { await resetProject(PROJECT); });

  test('grant registry-viewer in a project, see it listed, revoke it', async ({ page }) => {
    test.setTimeout(90_000);
    await signIn(page, 'admin', '/access');
    await hydrated(page, '.change-forms');
    await expect(page.locator('tr[data-role="registry-viewer"] [data-allows="pull"]')).toContainText('yes');
    await expect(page.locator('tr[data-role="registry-viewer"] [data-allows="push"]')).toContainText('no');
    const grant = page.locator('form[data-change-form="grant"]');
    await grant.locator('input[name="name"]').fill('e2e-alice');
    await grant.locator('input[name="project"]').fill('Team_E2E');
    await expect(grant.locator('[data-errors-for="project"]')).toContainText('is not a project name');
    await grant.locator('input[name="project"]').fill(PROJECT);
    await expect(grant.locator('[data-errors-for="project"]')).toHaveCount(0);
    await grant.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-oc-command]')).toHaveText(
      `oc policy add-role-to-user registry-viewer e2e-alice -n ${PROJECT}`);
    await applyWithReason(page, 'Guide 5.1: e2e-alice pulls from team-e2e');
    const binding = await getRoleBinding(PROJECT, 'registry-viewer');
    expect(binding.subjects).toEqual([{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'e2e-alice' }]);
    const row = page.locator(`tr[data-subject="e2e-alice"][data-where="${PROJECT}"]`);
    await expect(row).toContainText('registry-viewer');

    await row.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-review="preview"] [data-oc-command]')).toHaveText(
      `oc policy remove-role-from-user registry-viewer e2e-alice -n ${PROJECT}`);
    await applyWithReason(page, 'e2e-alice no longer needs team-e2e');
    await expect(page.locator(`tr[data-subject="e2e-alice"][data-where="${PROJECT}"]`)).toHaveCount(0);
    await expect(getRoleBinding(PROJECT, 'registry-viewer')).rejects.toThrow(/404/);
  });

  test('a viewer sees the roles as documented, one sentence per part it may not read, and who can grant', async ({ page }) => {
    await signIn(page, 'viewer', '/access');
    for (const lang of ['en', 'ja']) {
      await page.goto(`/lang/${lang}?return_to=/access`);
      await expect(page.locator('[data-denied="change"]')).toBeVisible();
      // The roles' meanings and what each allows, from the documentation, said once.
      await expect(page.locator('[data-roles-source="documented"]')).toBeVisible();
      await expect(page.locator('tr[data-role="registry-viewer"] [data-allows="pull"] [data-tone]')).toHaveAttribute('data-tone', 'good');
      await expect(page.locator('tr[data-role="registry-editor"] [data-allows="push"] [data-tone]')).toHaveAttribute('data-tone', 'good');
      await expect(page.locator('[data-allows] [data-tone="unknown"]')).toHaveCount(0);
      // The API server's words are behind a toggle: nothing visible says "forbidden".
      await expect(page.locator('[data-unreadable="access.projects.unreadable"] [data-panel-problem="forbidden"]')).toBeVisible();
      await expect(page.locator('[data-unreadable="access.projects.unreadable"] details')).toContainText('rolebindings');
      expect(await page.locator('main').innerText()).not.toMatch(/forbidden|403/i);
      // No disabled form: who can grant, and how.
      await expect(page.locator('form[data-change-form="grant"]')).toHaveCount(0);
      await expect(page.locator('form[data-change-form="revoke"]')).toHaveCount(0);
      await expect(page.locator('[data-read-only-summary="grant"]')).toContainText('oc policy add-role-to-user');
      await page.screenshot({ path: `test-results/screens/access-viewer-${lang}.png`, fullPage: true });
    }
    await page.goto('/lang/en?return_to=/access');
  });
});
