import { expect, test, type Page } from '@playwright/test';
import { canvasImage, readQrCode } from './files';
import { hydrated, snap, startApplication, submitApplication } from './flow';
import { checkAccessibility, collectErrors, runSql } from './helpers';

// One applicant, one server: the desktop project is enough.
test.beforeEach(({}, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'runs in the desktop project');
});
test.setTimeout(90_000);

/**
 * A submitted application, shown on its pay page first while the scans and the phone step
 * are missing, then moved to 待支付 in the database: uploading and the phone have their own
 * specs (materials, phone_handoff), this one starts where they end.
 */
async function readyToPay(page: Page): Promise<string> {
  await startApplication(page);
  const number = await submitApplication(page);
  await page.goto(`/p/soetp/applications/${number}/pay`);
  await expect(page.getByRole('heading', { name: '支付费用', level: 1 })).toBeVisible();
  await expect(page.getByTestId('pay-missing')).toContainText('经办人用手机完成身份认证');
  await expect(page.getByTestId('pay-missing').getByRole('link', { name: '去上传' }).first()).toBeVisible();
  runSql(`UPDATE applications SET status = 'awaiting_payment' WHERE number = '${number}'`);
  return number;
}

test('the applicant pays by WeChat through the sandbox cashier and the page moves on by itself', async ({ page, context }, testInfo) => {
  const errors = collectErrors(page);
  const number = await readyToPay(page);
  await page.goto(`/p/soetp/applications/${number}/pay`);
  await hydrated(page);
  await expect(page.getByTestId('quote-total')).toHaveText('800.00 元');
  await page.getByRole('link', { name: '微信支付' }).click();
  await expect(page.getByTestId('pay-qr').locator('svg')).toBeVisible();
  await expect(page.getByText(/二维码 \d+:\d\d 后自动更新/)).toBeVisible();
  await expect(page.getByTestId('pay-amount')).toHaveText('800.00 元');
  await snap(page, testInfo, 'pay-qr');
  await checkAccessibility(page);

  // The phone: what the QR code says, opened in another page without the desktop's session.
  const url = readQrCode(await page.getByTestId('pay-qr').screenshot());
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/cashier\/[A-Z0-9]+P[A-Za-z0-9]{6}$/);
  const phone = await (await context.browser()!.newContext()).newPage();
  await phone.goto(url);
  await expect(phone.getByRole('heading', { name: '沙箱收银台' })).toBeVisible();
  await expect(phone.getByText('不会产生任何真实扣款')).toBeVisible();
  await expect(phone.getByTestId('cashier-amount')).toHaveText('¥800.00');
  await phone.getByRole('button', { name: '确认支付' }).click();
  await expect(phone.getByRole('heading', { name: '支付成功' })).toBeVisible();

  // The desktop notices by itself.
  await expect(page.getByTestId('pay-done')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByRole('heading', { name: '支付成功' })).toBeFocused();
  await expect(page.getByText('当前状态：待审核')).toBeVisible();
  await expect(page.getByText(/PIN 码将随金融认证的打款附言/)).toBeVisible();
  await checkAccessibility(page);
  expect(errors).toEqual([]);
});

test('switching to Alipay replaces the code, and the old one no longer pays', async ({ page }) => {
  const number = await readyToPay(page);
  await page.goto(`/p/soetp/applications/${number}/pay?method=wechat`);
  await hydrated(page);
  const wechat = await page.getByTestId('pay-link').getAttribute('href');
  await page.getByRole('link', { name: '支付宝' }).click();
  await expect(page.getByText('请用手机支付宝“扫一扫”')).toBeVisible();
  const alipay = await page.getByTestId('pay-link').getAttribute('href');
  expect(alipay).not.toEqual(wechat);
  await page.goto(wechat!);
  await expect(page.getByText(/二维码已失效/)).toBeVisible();
  await expect(page.getByRole('button', { name: '确认支付' })).toHaveCount(0);
});

test('the applicant pays by bank transfer and uploads the voucher', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  const number = await readyToPay(page);
  await page.goto(`/p/soetp/applications/${number}/pay`);
  await hydrated(page);
  await page.getByRole('link', { name: '对公转账' }).click();
  const account = page.getByTestId('bank-account');
  await expect(account).toContainText('户名');
  await expect(account).toContainText('800.00 元');
  await expect(account).toContainText(number);
  await expect(page.getByText(`请务必在转账附言中填写申请编号 ${number}`)).toBeVisible();
  await expect(page.getByText(/PIN 码将以短信发送至经办人手机/)).toBeVisible();
  await checkAccessibility(page);

  // Not a picture: refused at the field.
  await page.locator('#file-transfer_voucher').setInputFiles({
    name: '回单.jpg',
    mimeType: 'image/jpeg',
    buffer: Buffer.from('MZ not a picture at all'),
  });
  await expect(page.locator('#file-transfer_voucher-error')).toBeVisible();
  const voucher = await canvasImage(page, { width: 900, height: 600, type: 'image/jpeg' });
  await page.locator('#file-transfer_voucher').setInputFiles({ name: '回单.jpg', mimeType: 'image/jpeg', buffer: voucher });
  await expect(page.getByTestId('pay-transfer-pending')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByRole('heading', { name: '等待受理机构确认到账' })).toBeVisible();
  await snap(page, testInfo, 'pay-transfer-pending');
  await checkAccessibility(page);
  // The refused file's answer is the only error.
  expect(errors.filter((e) => !/status of 415/.test(e))).toEqual([]);
});
