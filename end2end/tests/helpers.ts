import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** Console errors and uncaught exceptions seen on the page, for a "no errors" check at the end. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
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
