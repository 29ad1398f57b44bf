// Signing in through the real sandbox OIDC provider, as a person would: the console's
// sign-in page, the provider's login form, back to the console.
import { expect } from '@playwright/test';

export const USERS = {
  admin: 'Sandbox Admin',
  viewer: 'Sandbox Viewer',
  auditor: 'Sandbox Auditor',
  nobody: 'Sandbox Nobody',
};

export async function signIn(page, user, path = '/') {
  await page.goto(path);
  await expect(page).toHaveURL(/\/sign-in\?/);
  await page.locator('[data-action="sign-in"]').click();
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(`${user}-password`);
  await page.locator('#sign-in').click();
  await expect(page.locator('.user-name')).toBeVisible();
}

/// Waits until the islands of the page have hydrated (only an effect, which runs in the
/// browser after hydration, sets the mark).
export async function hydrated(page, selector) {
  await expect(page.locator(selector)).toHaveAttribute('data-hydrated', 'true');
}

/// Applies the change in the review on the page, with `reason`, once its dry run passed.
export async function applyWithReason(page, reason) {
  const review = page.locator('[data-review="preview"]');
  await expect(review.locator('[data-dry-run="accepted"]')).toBeVisible();
  await review.locator('textarea[name="reason"]').fill(reason);
  await review.locator('[data-action="apply"]').click();
  await expect(page.locator('[data-review="applied"]')).toBeVisible();
}
