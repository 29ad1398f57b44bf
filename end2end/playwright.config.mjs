// Browser tests run against the real server binary in Debian's Chromium (never a
// downloaded browser). `./dev test` builds everything and sets the E2E_* variables.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = process.env.E2E_PORT || '18080';
const server = process.env.E2E_SERVER || '../target/debug/registry-console';
const site = process.env.E2E_SITE || '../target/site';
const dataDir = mkdtempSync(join(tmpdir(), 'registry-console-e2e-'));
// The sandbox cluster's admin kubeconfig when `./dev test` started one.
const kubeconfig = process.env.E2E_KUBECONFIG ? ` --kubeconfig ${process.env.E2E_KUBECONFIG}` : '';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['./summary-reporter.mjs']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    // Started and stopped by Playwright, so no orphan survives a failed run.
    command: `${server} --listen-addr 127.0.0.1:${port} --site-root ${site} --data-dir ${dataDir} --log-level warn${kubeconfig}`,
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
