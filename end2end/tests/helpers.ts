import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Console errors and uncaught exceptions seen on the page, for a "no errors" check at the end. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    // The URL too: "Failed to load resource" alone does not say which one.
    if (msg.type() === 'error') errors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** Resolves once the wasm has taken over the server-rendered calculator. */
export async function waitForHydration(page: Page) {
  await expect(page.locator('.app-calc[data-hydrated="true"]')).toBeVisible();
}

/** Fails with the rule names and targets when axe-core finds WCAG 2.1 A/AA problems. */
export async function checkAccessibility(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary).toEqual([]);
}

/**
 * `checkAccessibility` for a page opened without JavaScript. axe is a script, which such a page
 * never runs, so the check runs on a copy: the same HTML at the same address, its scripts
 * removed and its <noscript> content shown, in a tab that runs scripts (axe's alone).
 */
export async function checkAccessibilityWithoutScript(plain: Page) {
  const html = (await plain.content())
    .replace(/<script\b[\s\S]*?<\/script>/gi, '')
    .replace(/<\/?noscript>/gi, '');
  const browser = plain.context().browser()!;
  const context = await browser.newContext({ javaScriptEnabled: true, viewport: plain.viewportSize() });
  try {
    const copy = await context.newPage();
    await copy.route(plain.url(), (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
    await copy.goto(plain.url());
    await checkAccessibility(copy);
  } finally {
    await context.close();
  }
}

/**
 * Runs one SQL statement on the server's database, for a test that moves time or skips a step
 * it does not cover: PostgreSQL when the run is on it (`E2E_DATABASE_URL`), SQLite in the data
 * folder otherwise. Keep `sql` to what both engines read alike.
 */
export function runSql(sql: string) {
  const url = process.env.E2E_DATABASE_URL;
  if (url) {
    execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', url, '-c', sql]);
  } else {
    execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(process.env.E2E_DATA_DIR!, 'portal.db'), sql]);
  }
}

/** The environment the server's command line needs to work on the same data as the test server. */
export function serverEnv(): NodeJS.ProcessEnv {
  const url = process.env.E2E_DATABASE_URL;
  return { ...process.env, DATA_DIR: process.env.E2E_DATA_DIR!, ...(url ? { DATABASE_URL: url } : {}) };
}
