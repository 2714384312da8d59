import { expect, test } from '@playwright/test';
import { startApplication } from './flow';

test('the form warns before the login times out, and 继续办理 keeps it', async ({ page }) => {
  await page.clock.install();
  await startApplication(page);
  // The warning's clock starts with the form's code; time moved before that would be lost.
  await expect(page.locator('.app-idle-watch[data-armed]')).toBeAttached();

  // 28 idle minutes of the default 30: the warning is up.
  await page.clock.runFor('28:15');
  const warning = page.getByRole('alertdialog', { name: '即将退出登录' });
  await expect(warning).toBeVisible();
  await warning.getByRole('button', { name: '继续办理' }).click();
  await expect(warning).toBeHidden();

  // Ignored to the end: the page says the login is gone and how to come back.
  await page.clock.runFor('30:15');
  await expect(page.getByRole('alert')).toContainText('登录已失效');
  await expect(page.getByRole('link', { name: '重新登录后继续' })).toBeVisible();
});

test('a tab left in the background still warns on time', async ({ page }) => {
  await page.clock.install();
  await startApplication(page);
  await expect(page.locator('.app-idle-watch[data-armed]')).toBeAttached();

  // Background tabs run timers rarely: time jumps 29 minutes between two checks.
  await page.clock.fastForward('29:00');
  await page.clock.runFor('00:16');
  await expect(page.getByRole('alertdialog', { name: '即将退出登录' })).toBeVisible();
});
