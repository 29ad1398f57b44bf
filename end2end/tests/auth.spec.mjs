// Sign-in, roles, sign-out and idle timeout in Chromium, against the sandbox's real OIDC
// provider and API server.
import { test, expect } from '@playwright/test';
import { USERS, signIn, hydrated } from './sign-in.mjs';

const ALL_PAGES = ['Overview', 'Logs', 'Configuration', 'Storage', 'Exposure', 'CA trust', 'Access', 'Pruner', 'Audit trail'];

test.describe('signing in', () => {
  test('an admin lands on the overview with every page and full permissions', async ({ page }) => {
    await signIn(page, 'admin');
    await expect(page).toHaveURL(/\/$/);
    await expect(page.locator('.user-name')).toHaveText(USERS.admin);
    await expect(page.locator('.user-roles')).toHaveText('Admin');
    const nav = page.locator('nav.sidebar');
    for (const name of ALL_PAGES) {
      await expect(nav.getByRole('link', { name })).toBeVisible();
    }
    await page.getByRole('link', { name: 'Your access' }).click();
    await expect(page.locator('h1')).toHaveText('Your access');
    await expect(page.locator('tr[data-action="action.change_config"]')).toHaveAttribute('data-allowed', 'true');
  });

  test('a viewer lands on the overview; forbidden actions say which permission they need', async ({ page }) => {
    await signIn(page, 'viewer');
    await expect(page).toHaveURL(/\/$/);
    await expect(page.locator('.user-roles')).toHaveText('Viewer');
    const nav = page.locator('nav.sidebar');
    await expect(nav.getByRole('link', { name: 'Logs' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Audit trail' })).toHaveCount(0);
    await page.getByRole('link', { name: 'Your access' }).click();
    const change = page.locator('tr[data-action="action.change_config"]');
    await expect(change).toHaveAttribute('data-allowed', 'false');
    await expect(change).toContainText('needs update on configs.imageregistry.operator.openshift.io "cluster"');
    await expect(page.locator('tr[data-action="action.read_config"]')).toHaveAttribute('data-allowed', 'true');
    await expect(page.locator('tr[data-action="action.read_secrets"]')).toHaveAttribute('data-allowed', 'false');
  });

  test('an auditor lands on the audit trail and sees nothing else', async ({ page }) => {
    await signIn(page, 'auditor');
    await expect(page).toHaveURL(/\/audit$/);
    await expect(page.locator('h1')).toHaveText('Audit trail');
    const links = page.locator('nav.sidebar a');
    await expect(links).toHaveCount(1);
    await expect(links.first()).toHaveText('Audit trail');
    await expect(page.getByRole('link', { name: 'Your access' })).toHaveCount(0);
    // The chain of this console verifies (with the changes earlier tests made, if any),
    // and a filter nothing matches says so.
    await page.locator('[data-action="verify-chain"]').click();
    await expect(page.locator('[data-chain="intact"]')).toContainText('verified');
    await page.goto('/audit?text=no-such-change-in-the-e2e-run');
    await expect(page.locator('[data-empty="audit"]')).toHaveText('No changes match.');
    await page.getByLabel('Outcome').selectOption('degraded');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page).toHaveURL(/outcome=degraded/);
    await expect(page.getByLabel('Outcome')).toHaveValue('degraded');
    const response = await page.goto('/logs');
    expect(response.status()).toBe(403);
    await expect(page.locator('h1')).toHaveText('Not available for your role');
  });

  test('a user in no mapped group gets "no access" naming the groups that grant it', async ({ page }) => {
    await signIn(page, 'nobody');
    await expect(page.locator('h1')).toHaveText('No access');
    for (const group of ['registry-admins', 'registry-viewers', 'registry-auditors']) {
      await expect(page.locator('main')).toContainText(group);
    }
    await expect(page.locator('nav.sidebar a')).toHaveCount(0);
  });

  test('a deep link survives sign-in, in Japanese too', async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, locale: 'ja-JP', ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto('/pruner');
    await expect(page.locator('h1')).toHaveText('サインイン');
    await expect(page.locator('[data-message="signin.reason.required"]')).toBeVisible();
    await page.locator('[data-action="sign-in"]').click();
    await page.locator('#username').fill('viewer');
    await page.locator('#password').fill('viewer-password');
    await page.locator('#sign-in').click();
    await expect(page).toHaveURL(/\/pruner$/);
    await expect(page.locator('.user-roles')).toHaveText('閲覧者');
    await context.close();
  });
});

test.describe('signing out', () => {
  test('ends the console session and the provider session', async ({ page }) => {
    await signIn(page, 'admin');
    await page.locator('[data-action="sign-out"]').click();
    // The provider asks to confirm its own sign-out, then comes back.
    await page.locator('#logout-yes').click();
    await expect(page).toHaveURL(/\/signed-out$/);
    await expect(page.locator('h1')).toHaveText('Signed out');
    await page.goto('/');
    await expect(page).toHaveURL(/\/sign-in\?/);
    // The provider forgot us too: signing in asks for the password again.
    await page.locator('[data-action="sign-in"]').click();
    await expect(page.locator('#password')).toBeVisible();
  });
});

test.describe('idle timeout', () => {
  const idleURL = `http://127.0.0.1:${process.env.E2E_IDLE_PORT || '18081'}`;

  test('an idle session ends; a form in progress stays and says to sign in again', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: idleURL, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await signIn(page, 'admin', '/configuration');
    await hydrated(page, '.change-forms');
    await page.locator('input[name="spec.replicas"]').fill('3');
    await page.waitForTimeout(9500); // the idle console's timeout is 8 s
    // The page stays, what was typed stays, and the refused call says why.
    await page.locator('[data-action="preview"]').click();
    await expect(page.locator('[data-error="sign-in-required"]')).toBeVisible();
    await expect(page.locator('[data-error="sign-in-required"]')).toContainText('Your session has ended');
    await expect(page.locator('input[name="spec.replicas"]')).toHaveValue('3');
    // A fresh load goes to sign-in with the reason.
    await page.reload();
    await expect(page).toHaveURL(/\/sign-in\?reason=idle/);
    await expect(page.locator('[data-message="signin.reason.idle"]')).toContainText('inactivity');
    await context.close();
  });
});
