import { expect, test } from '@playwright/test';
import { hydrated, startApplication } from './flow';

test('bad identifiers get their message at the field', async ({ page }) => {
  await startApplication(page);
  await page.getByRole('button', { name: '下一步：填写申请信息' }).click();
  await expect(page).toHaveURL(/\/apply\/details$/);
  await hydrated(page);

  const legalId = page.locator('#legal-id-number');
  await legalId.fill('140105198001011234'); // wrong check digit
  await legalId.blur();
  await expect(legalId).toHaveAttribute('aria-invalid', 'true');
  await expect(legalId).toHaveAccessibleDescription(/校验位不正确/);

  const code = page.getByLabel('机构证件号码');
  await code.fill('91350100M000100I43'); // I is never used in credit codes
  await code.blur();
  await expect(code).toHaveAccessibleDescription(/I/);

  const mobile = page.locator('#legal-mobile');
  await mobile.fill('1234567890');
  await mobile.blur();
  await expect(mobile).toHaveAccessibleDescription(/手机号码/);

  const email = page.getByLabel('常用联系邮箱');
  await email.fill('invoice@example');
  await email.blur();
  await expect(email).toHaveAccessibleDescription(/邮箱/);

  // Fixing a field clears its message as you type.
  await legalId.fill('140105198001011233');
  await expect(legalId).not.toHaveAttribute('aria-invalid', 'true');

  // 下一步 with errors: a summary linking to each bad field.
  await page.getByRole('button', { name: '下一步：核对信息' }).click();
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('请修改以下问题后继续');
  await summary.getByRole('link').first().click();
  await expect(page).toHaveURL(/\/apply\/details#/);
});
