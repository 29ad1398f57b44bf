// Accessibility checks with axe-core (WCAG 2.2 A and AA), injected into the page under test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from '@playwright/test';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/// Runs axe on the page as it is now and fails with every violation it finds, named by rule
/// and element. Evaluated through the DevTools protocol, so the console's CSP (which allows
/// no injected script) does not stand in the way.
export async function expectAccessible(page, label) {
  expect(await violationsOf(page), `${label}: WCAG 2.2 AA violations`).toEqual([]);
}

/// What axe finds on the page as it is now, one line per violation.
export async function violationsOf(page) {
  await page.evaluate(AXE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, TAGS);
}
