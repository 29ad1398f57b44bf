// Browser tests run against the real server binary in Debian's Chromium (never a
// downloaded browser). `./dev test` builds everything and sets the E2E_* variables.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = process.env.E2E_PORT || '18080';
// A second console with an 8 s idle timeout, for the idle-timeout test (long enough for the
// sign-in round trip through the provider on a busy machine: its pending state is in the
// session too).
const idlePort = process.env.E2E_IDLE_PORT || '18081';
const server = process.env.E2E_SERVER || '../target/debug/registry-console';
// Without E2E_SITE, the console serves the site embedded in it (as `./dev test` runs it).
const site = process.env.E2E_SITE ? `--site-root ${process.env.E2E_SITE}` : '';
const dataDir = mkdtempSync(join(tmpdir(), 'registry-console-e2e-'));
const idleDataDir = mkdtempSync(join(tmpdir(), 'registry-console-e2e-idle-'));
// The sandbox (cluster and OIDC provider) that `./dev test` started, from its sandbox.env.
const env = process.env;
const sandbox = [
  // The sandbox API server's --oidc-username-prefix and --oidc-groups-prefix.
  env.KUBECONFIG ? `--kubeconfig ${env.KUBECONFIG} --kube-username-prefix oidc:` : '',
  env.OIDC_ISSUER_URL ? `--oidc-issuer-url ${env.OIDC_ISSUER_URL} --oidc-ca-file ${env.OIDC_CA_FILE}` : '',
  env.OIDC_CLIENT_ID ? `--oidc-client-id ${env.OIDC_CLIENT_ID} --oidc-client-secret-file ${env.OIDC_CLIENT_SECRET_FILE}` : '',
].join(' ');
const consoleCommand = (p, dir, extra = '') =>
  `${server} --listen-addr 127.0.0.1:${p} ${site} --data-dir ${dir} --log-level warn ${sandbox} ${extra}`;

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
    // The sandbox provider's certificate comes from the sandbox's own CA, which this
    // Chromium profile does not know; the console itself is plain http on 127.0.0.1.
    ignoreHTTPSErrors: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      // Started and stopped by Playwright, so no orphan survives a failed run.
      command: consoleCommand(port, dataDir),
      url: `http://127.0.0.1:${port}/healthz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      // Not recording outside changes: the Lease stays with the main console.
      command: consoleCommand(idlePort, idleDataDir, '--session-idle-timeout 8s --audit-record-outside-changes=false'),
      url: `http://127.0.0.1:${idlePort}/healthz`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
});
