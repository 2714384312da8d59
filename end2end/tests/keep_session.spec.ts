import { expect, test } from '@playwright/test';
import { startApplication } from './flow';

test('the form warns before the login times out, and 继续办理 keeps it', async ({ page }) => {
  await page.clock.install();
  await startApplication(page);

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
