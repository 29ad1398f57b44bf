// The first-load budget (SPEC §10): every page's HTML + CSS + JS + WASM, each gzip -9, as a
// browser with an empty cache loads it until the page is interactive. Sizes are
// deterministic for a build, so this is a check, not a timed test; it runs against the
// release build of the site (`./dev test` builds it) and writes end2end/first-load.txt.
import { test, expect } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { signIn, hydrated } from './sign-in.mjs';

const BUDGETS = JSON.parse(readFileSync(new URL('../budgets.json', import.meta.url), 'utf8'));
const REPORT = new URL('../first-load.txt', import.meta.url);
const SIGNED_IN = ['/', '/logs', '/configuration', '/storage', '/exposure', '/ca-trust', '/registries', '/access', '/pruner', '/audit', '/your-access'];
const ISLANDS = { '/configuration': '.change-forms', '/exposure': '.change-forms', '/ca-trust': '.change-forms' };

/// Loads `path` in a new page of `context` with the browser cache emptied first (a first
/// visit) and returns the total and each resource, in gzip -9 bytes.
async function measure(context, path) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.clearBrowserCache');
  const bodies = [];
  page.on('response', async (response) => {
    // Everything the page fetches counts (WASM arrives as `fetch` or `other`).
    const type = response.request().resourceType();
    try {
      bodies.push({ url: new URL(response.url()).pathname, type, body: await response.body() });
    } catch {
      // A redirect has no body.
    }
  });
  await page.goto(path, { waitUntil: 'networkidle' });
  if (ISLANDS[path]) await hydrated(page, ISLANDS[path]);
  await page.waitForLoadState('networkidle');
  await page.close();
  const seen = new Map();
  for (const { url, body } of bodies) {
    seen.set(url, (seen.get(url) || 0) + 1);
  }
  const twice = [...seen].filter(([, n]) => n > 1).map(([url]) => url);
  const rows = bodies
    .filter(({ url }, i) => bodies.findIndex((b) => b.url === url) === i)
    .map(({ url, type, body }) => ({ url, type, raw: body.length, gz: gzipSync(body, { level: 9 }).length }));
  return { total: rows.reduce((sum, r) => sum + r.gz, 0), rows, twice };
}

test('every page loads within its first-load budget', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const results = [];
  const anonymous = await browser.newContext({ baseURL, ignoreHTTPSErrors: true, serviceWorkers: 'block' });
  for (const path of ['/sign-in', '/signed-out']) {
    results.push({ path, role: 'signed out', ...(await measure(anonymous, path)) });
  }
  await anonymous.close();
  const admin = await browser.newContext({ baseURL, ignoreHTTPSErrors: true, serviceWorkers: 'block' });
  const start = await admin.newPage();
  await signIn(start, 'admin');
  await start.close();
  for (const path of SIGNED_IN) {
    results.push({ path, role: 'admin', ...(await measure(admin, path)) });
  }
  await admin.close();

  const lines = ['page                role         first load (gzip -9)   budget', ''];
  const over = [];
  for (const { path, role, total, rows, twice } of results) {
    const budget = BUDGETS.pages[path] ?? BUDGETS.default;
    lines.push(`${path.padEnd(20)}${role.padEnd(13)}${String(total).padStart(10)} B   ${String(budget).padStart(10)} B`);
    for (const r of rows) lines.push(`      ${r.type.padEnd(11)}${r.url.padEnd(70)}${String(r.gz).padStart(9)}`);
    if (total > budget) over.push(`${path}: ${total} B > ${budget} B`);
    if (twice.length) over.push(`${path}: fetched more than once: ${twice.join(', ')}`);
  }
  const report = lines.join('\n');
  writeFileSync(REPORT, report + '\n');
  console.log(report);
  expect(over, report).toEqual([]);
});

test('an island page preloads its chunks and uses every one; its messages arrive unescaped', async ({ page }) => {
  await signIn(page, 'admin');
  const fetched = new Set();
  page.on('response', (response) => fetched.add(new URL(response.url()).pathname));
  await page.goto('/configuration');
  await hydrated(page, '.change-forms');
  await page.waitForLoadState('networkidle');
  const preloaded = await page.locator('link[rel=preload][as=fetch]').evaluateAll((links) => links.map((l) => new URL(l.href).pathname));
  expect(preloaded.length, 'the change-forms island has chunks to preload').toBeGreaterThan(0);
  for (const path of preloaded) {
    expect(path).toMatch(/\.wasm$/);
    expect(fetched, `${path} preloaded but not used`).toContain(path);
  }
  // The catalogue is a script element's raw text: an escaped `'` would reach the island
  // as `&#x27;`.
  const catalogue = await page.locator('#rc-catalogue').textContent();
  expect(catalogue).toContain("review.dry_run_rejected = The API server's dry run rejected");
});
