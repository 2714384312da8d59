import { expect, test } from '@playwright/test';
import { checkAccessibility } from './helpers';
import { freshMobile, hydrated, readCode } from './flow';

test('login explains each mistake at its field and the pages pass axe', async ({ page }) => {
  await page.goto('/p/soetp/login');
  await hydrated(page);
  await checkAccessibility(page);

  const mobileField = page.getByLabel('手机号码');
  await mobileField.fill('1381234567');
  await mobileField.blur();
  await expect(mobileField).toHaveAccessibleDescription(/11位/);

  const mobile = freshMobile();
  await mobileField.fill(mobile);
  await page.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(page.getByRole('status').filter({ hasText: '验证码已发送' })).toBeVisible();
  // Resending is held back for a minute.
  await expect(page.getByRole('button', { name: /秒后可重新获取/ })).toBeDisabled();

  const code = await readCode(page, mobile);
  const wrong = code === '000000' ? '111111' : '000000';
  await page.getByLabel('短信验证码').fill(wrong);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page.getByLabel('短信验证码')).toHaveAccessibleDescription(/还可以再试4次/);

  await page.getByLabel('短信验证码').fill(code);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/consent$/);
  await hydrated(page);
  await checkAccessibility(page);

  // The full text of each agreement is one click away.
  await page.getByText('阅读《敏感个人信息处理单独同意书》全文').click();
  await expect(page.getByText('人脸图像及活体检测过程中采集的视频帧')).toBeVisible();
  await page.getByRole('button', { name: '同意并继续' }).click();
  await expect(page.getByRole('alert')).toContainText('请阅读并勾选同意《电子认证服务协议》');
  await expect(page).toHaveURL(/\/consent$/);
});
