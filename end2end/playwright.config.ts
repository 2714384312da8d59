import { defineConfig, devices } from '@playwright/test';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A port of its own so a running dev server on 3000 does not get in the way.
const port = process.env.E2E_PORT ?? '3100';
const baseURL = `http://127.0.0.1:${port}`;
// The server's data folder, fresh per run. Set once in the main process; the test workers
// inherit it, so a test can reach the database (see handoff_expiry in phone_handoff.spec.ts).
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'cert-portal-e2e-'));
const dataDir = process.env.E2E_DATA_DIR;
// A trading-platform portal for the embedding tests (embed.spec.ts serves it): a different
// site from the app's (localhost, not 127.0.0.1), listed in a copy of the catalog as soetp's
// portal (embed.spec.ts also serves an unlisted one on the next port, which must be refused).
const portalOrigin = `http://localhost:${Number(port) + 1}`;
process.env.E2E_CATALOG_DIR ??= (() => {
  const source = join(__dirname, '..', 'catalog');
  const dir = mkdtempSync(join(tmpdir(), 'cert-portal-catalog-'));
  for (const file of readdirSync(source).filter((f) => f.endsWith('.toml'))) {
    copyFileSync(join(source, file), join(dir, file));
  }
  const soetp = join(dir, 'soetp.toml');
  const text = readFileSync(soetp, 'utf8').replace(/^origins = \[/m, `origins = ["${portalOrigin}", `);
  writeFileSync(soetp, text);
  return dir;
})();

// Debian's Chromium: Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

export default defineConfig({
  testDir: './tests',
  outputDir: './output/test-results',
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  // No retries: a test that fails once fails the run, so an intermittent fault is found and
  // fixed instead of hidden.
  retries: 0,
  // The whole run, however it goes wrong (scripts/test.sh also caps it from outside).
  globalTimeout: 25 * 60_000,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['html', { outputFolder: './output/report', open: 'never' }]],
  use: {
    baseURL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    launchOptions: chromium,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], launchOptions: chromium } },
    {
      name: 'phone',
      use: { ...devices['Pixel 5'], viewport: { width: 360, height: 740 }, launchOptions: chromium },
    },
  ],
  // The release build from `cargo leptos build --release`, on a fresh data folder per run.
  webServer: {
    command: './target/release/server',
    cwd: '..',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      BIND_ADDR: `127.0.0.1:${port}`,
      // The QR codes on printed documents point here.
      PUBLIC_URL: baseURL,
      DATA_DIR: dataDir,
      CATALOG_DIR: process.env.E2E_CATALOG_DIR,
      RUST_LOG: 'warn',
      // The stand-in providers and /dev/outbox exist only in the sandbox.
      SANDBOX: 'on',
      // Automated tests read codes from /dev/outbox and cannot read a captcha image.
      CAPTCHA: 'off',
      // Every test logs in from 127.0.0.1.
      SMS_IP_HOURLY_LIMIT: '10000',
      // scripts/test.sh runs the journey once more on PostgreSQL; SQLite in DATA_DIR otherwise.
      ...(process.env.E2E_DATABASE_URL ? { DATABASE_URL: process.env.E2E_DATABASE_URL } : {}),
    },
  },
});
