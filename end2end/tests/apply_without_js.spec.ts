import { expect, test } from '@playwright/test';
import { freshMobile, readCode, valid } from './flow';
import { checkAccessibilityWithoutScript } from './helpers';

test.use({ javaScriptEnabled: false });

test('without JavaScript an applicant logs in and completes the first step', async ({ page }) => {
  const mobile = freshMobile();
  await page.goto('/p/soetp/login');
  await page.getByLabel('手机号码').fill(mobile);
  await page.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(page.getByText(/验证码已发送/)).toBeVisible();
  await page.getByLabel('手机号码').fill(mobile);
  await page.getByLabel('短信验证码').fill(await readCode(page, mobile));
  await page.getByRole('button', { name: '登录' }).click();

  // Continuing without ticking everything is refused, with the reason at each box.
  await page.getByLabel('我已阅读并同意《电子认证服务协议》').check();
  await page.getByRole('button', { name: '同意并继续' }).click();
  await expect(page.getByRole('alert')).toContainText('个人信息授权书');
  await checkAccessibilityWithoutScript(page);
  for (const name of ['电子认证服务协议', '个人信息授权书', '敏感个人信息处理单独同意书']) {
    await page.getByLabel(`我已阅读并同意《${name}》`).check();
  }
  await page.getByRole('button', { name: '同意并继续' }).click();
  await expect(page).toHaveURL(/\/apply\/choose$/);

  // Adding a holder row is a real form post.
  await page.getByRole('button', { name: '添加机构个人证书' }).click();
  await page.locator('#holders-0-name').fill('王小明');
  await page.locator('#holders-0-id-number').fill('110105199003073450'); // bad check digit
  await page.getByRole('button', { name: '下一步：填写申请信息' }).click();
  await expect(page).toHaveURL(/\/apply\/choose\?check=true/);
  await expect(page.getByRole('alert')).toContainText('校验位不正确');
  await checkAccessibilityWithoutScript(page);
  await expect(page.locator('#holders-0-name')).toHaveValue('王小明');

  await page.locator('#holders-0-id-number').fill(valid.holderIds[0]);
  await page.locator('#holders-0-mobile').fill(valid.holderMobile);
  await page.getByRole('button', { name: '下一步：填写申请信息' }).click();
  await expect(page).toHaveURL(/\/apply\/details$/);
});
