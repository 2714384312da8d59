import { expect, test } from '@playwright/test';
import { readQrCode } from './files';
import { hydrated, issuedOrder, openBusiness, orderToMaterials, snap, withoutScript } from './flow';
import { completeOnPhone, scanQr } from './handoff';
import { checkAccessibility, checkAccessibilityWithoutScript, collectErrors } from './helpers';
import { addReviewer, consoleDetail, letterText, memoCode, signInReviewer, uploadAll } from './review';

// 介质补办 from 我的证书: the page and its price, then the way of a new application for the one
// certificate (scans, the phone step, payment, review, the financial check, production), and
// the new certificate with the old term beside the old one, now revoked.
test.setTimeout(240_000);

test('a lost key is replaced: the new certificate keeps the term and the old one is revoked', async ({ page, browser, baseURL }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the whole journey runs in the desktop project');
  const errors = collectErrors(page);
  addReviewer();
  const { serial } = await issuedOrder(page);

  const validity = await openBusiness(page, serial, '办理介质补办', '介质补办');
  await expect(page.getByText(serial)).toBeVisible();
  await expect(page.getByTestId('quote-total')).toHaveText('100.00 元');
  await expect(page.getByText('新证书签发后，原证书自动吊销')).toBeVisible();
  await checkAccessibility(page);
  await snap(page, testInfo, 'replacement');
  const number = await orderToMaterials(page, '提交补办申请，去上传资料');

  // The authorization letter asks for a replacement of the one certificate.
  const text = await letterText(page);
  expect(text).toContain('申请补办下列数字证书');
  expect(text).toContain(number);
  expect(text).not.toContain('机构个人数字证书');

  await uploadAll(page);
  await page.goto(`/p/soetp/applications/${number}/identity`);
  await hydrated(page);
  await completeOnPhone(baseURL!, await scanQr(page));
  await expect(page.getByTestId('identity-done')).toBeVisible();

  await page.goto(`/p/soetp/applications/${number}/pay`);
  await hydrated(page);
  await page.getByRole('button', { name: '确认资料无误，去支付' }).click();
  await expect(page.getByTestId('quote-total')).toHaveText('100.00 元');
  await page.getByRole('link', { name: '微信支付' }).click();
  const qr = page.getByTestId('pay-qr');
  await expect(qr.locator('svg')).toBeVisible();
  const phone = await browser.newContext();
  const cashier = await phone.newPage();
  await cashier.goto(readQrCode(await qr.screenshot()));
  await expect(cashier.getByTestId('cashier-amount')).toHaveText('¥100.00');
  await cashier.getByRole('button', { name: '确认支付' }).click();
  await expect(cashier.getByRole('heading', { name: '支付成功' })).toBeVisible();
  await phone.close();
  await expect(page.getByTestId('pay-done')).toBeVisible({ timeout: 15_000 });

  // The reviewer sees which certificate the order replaces, and approves.
  const { context: reviewerContext, console } = await signInReviewer(browser);
  await consoleDetail(console, number, true);
  await expect(console.getByRole('heading', { name: '介质补办的证书' })).toBeVisible();
  await expect(console.locator('#lined')).toContainText(serial);
  await console.getByRole('button', { name: '审核通过' }).click();
  await expect(console.getByText('待金融认证').first()).toBeVisible();

  await page.goto(`/p/soetp/applications/${number}`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: new RegExp(`介质补办申请\\s*${number}`) })).toBeVisible();
  await page.getByLabel('金融认证验证码').fill(await memoCode(page));
  await page.getByRole('button', { name: '提交验证码' }).click();
  await expect(page.getByText('当前状态：金融认证成功')).toBeVisible({ timeout: 15_000 });

  await consoleDetail(console, number);
  await console.getByRole('button', { name: '签发证书并开始制证' }).click();
  await expect(console.getByText('制证中').first()).toBeVisible();
  await expect(console.locator('#lined')).toContainText('已吊销');
  const made = console.locator('#certificates');
  await expect(made).toContainText(/[0-9A-F]{20}/);
  await reviewerContext.close();

  // 我的证书: the new key's certificate with the same term; the old one revoked, open to nothing.
  await page.goto('/p/soetp/me');
  await hydrated(page);
  const old = page.locator('.app-cert', { hasText: serial });
  await expect(old).toContainText('已吊销');
  await expect(old.getByRole('link')).toHaveCount(1); // its order number only
  const replaced = page.locator('.app-cert', { hasText: number });
  await expect(replaced).toContainText('有效');
  await expect(replaced.locator('dt:text("有效期") + dd')).toHaveText(validity);
  await expect(replaced.getByRole('link', { name: '办理介质补办' })).toBeVisible();
  await checkAccessibility(page);
  await snap(page, testInfo, 'replaced');
  expect(errors).toEqual([]);
});

test('a replacement is ordered without JavaScript, once per certificate', async ({ page, browser }, testInfo) => {
  const { serial } = await issuedOrder(page);
  const context = await withoutScript(page, browser);
  const plain = await context.newPage();
  await plain.goto('/p/soetp/me');
  await plain.locator('.app-cert', { hasText: serial }).getByRole('link', { name: '办理介质补办' }).click();
  await expect(plain.getByTestId('quote-total')).toHaveText('100.00 元');
  await snap(plain, testInfo, 'replacement-no-js');
  const form = plain.url();
  await plain.getByRole('button', { name: '提交补办申请，去上传资料' }).click();
  await expect(plain).toHaveURL(/\/applications\/SQ\d+\/materials$/);
  const number = /(SQ\d+)/.exec(plain.url())![1];
  // A second order for the same certificate is refused with the first one's number.
  await plain.goto(form);
  await plain.getByRole('button', { name: '提交补办申请，去上传资料' }).click();
  await expect(plain.getByRole('alert')).toContainText(`已有一笔未完成的业务（申请编号 ${number}）`);
  await checkAccessibilityWithoutScript(plain);
  await context.close();
});
