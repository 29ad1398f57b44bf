// Every page a role can open, in Japanese: no English left in the page's own words. API
// names, commands, quoted messages and values are English by nature: they sit in code,
// pre, kbd, samp, time, .api-path, [lang="en"] or [translate="no"], or are one of the names
// below.
// What is looked for is English prose: two English words in a row, or one of the small
// words English sentences cannot do without.
import { test, expect } from '@playwright/test';
import { signIn } from './sign-in.mjs';

const PAGES = ['/', '/logs', '/configuration', '/storage', '/exposure', '/ca-trust', '/registries', '/access', '/pruner', '/audit', '/your-access'];
const OPENS = {
  admin: PAGES,
  viewer: PAGES.filter((p) => p !== '/audit'),
  auditor: ['/audit', '/audit?verify=1', '/logs'],
};

// Names that are English in Japanese documentation too (products, operators, commands).
const NAMES = [
  'Registry Console', 'Google Cloud Storage', 'Google Cloud', 'Azure Blob Storage', 'Azure Blob',
  'Azure Stack', 'Amazon S3', 'Amazon CloudFront', 'AWS S3', 'OpenStack Swift', 'Cloud KMS',
  'IBM COS', 'Identity API', 'Identity v3', 'JSON Lines', 'Machine Config Operator', 'Samples Operator',
  'Ingress Operator', 'Cloud Credential Operator', 'Image Registry', 'Image Registry Operator',
];
const SMALL_WORDS = /^(the|is|are|not|and|or|of|to|by|from|with|this|that|yes|no|ago|unknown|accepted|refused|never|none)$/i;

function englishIn(text) {
  let rest = text;
  for (const name of NAMES) rest = rest.split(name).join(' ');
  // Commands quoted in running text (`oc …`, `podman …`, `kubectl …`) are commands.
  rest = rest.replace(/\b(oc|podman|kubectl)( [^\s、。()（）]+)+/g, ' ');
  const found = [];
  const runs = /[A-Za-z][A-Za-z'-]*(?: [A-Za-z][A-Za-z'-]*)+/g;
  for (const m of rest.matchAll(runs)) found.push(m[0]);
  for (const m of rest.replace(runs, ' ').matchAll(/[A-Za-z]+/g)) if (SMALL_WORDS.test(m[0])) found.push(m[0]);
  return found;
}

async function pageWords(page) {
  return page.evaluate(() => {
    // lang="en": the API server's or the operator's own words, quoted as they came.
    const skip = 'code, pre, kbd, samp, time, script, style, template, textarea, .api-path, [translate="no"], [lang="en"], [hidden], .visually-hidden';
    const out = [];
    const walker = document.createTreeWalker(document.querySelector('main') ?? document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      if (!text || node.parentElement.closest(skip)) continue;
      out.push(text);
    }
    return out;
  });
}

test.describe('Japanese pages', () => {
  test('the check finds English where there is some', () => {
    expect(englishIn('レジストリーは not found です')).toEqual(['not found']);
    expect(englishIn('状態: unknown')).toEqual(['unknown']);
    expect(englishIn('Google Cloud Storage の Operator、oc get pods -n x で確認')).toEqual([]);
  });

  for (const [user, paths] of Object.entries(OPENS)) {
    test(`no English prose on a page ${user} can open`, async ({ page }) => {
      test.setTimeout(120_000);
      await signIn(page, user);
      await page.goto('/lang/ja?return_to=/');
      const left = [];
      const check = async (path) => {
        for (const text of await pageWords(page)) {
          for (const english of englishIn(text)) left.push(`${path}: "${english}" in "${text.slice(0, 120)}"`);
        }
      };
      for (const path of paths) {
        await page.goto(path);
        await check(path);
        // An entry of the trail too (its detail, versions and diff), when there is one.
        const entry = page.locator('a[data-action="details"]').first();
        if (path === '/audit' && await entry.count()) {
          const href = await entry.getAttribute('href');
          await page.goto(href);
          await check(href);
        }
      }
      await page.goto('/lang/en?return_to=/');
      expect(left).toEqual([]);
    });
  }
});
