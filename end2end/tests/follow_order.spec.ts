import { expect, test, type Page } from '@playwright/test';
import { canvasImage, readQrCode } from './files';
import { hydrated, snap, startApplication, submitApplication, valid } from './flow';
import { completeOnPhone, scanQr } from './handoff';
import { checkAccessibility, collectErrors, runSql } from './helpers';
import { addReviewer, consoleDetail, memoCode, signInReviewer, uploadAll } from './review';

// One applicant's whole journey, with a reviewer in a second browser context: submit, scans,
// phone step, pay in the sandbox cashier, a rejection of one scan, the fix and resubmission,
// approval, the financial-check code from the simulated bank statement, production and
// shipment, and the SMS notices on the way. Once per run: desktop only.
test.beforeEach(({}, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'runs in the desktop project');
});
test.setTimeout(240_000);

/** The texts the local SMS provider kept for `mobile`, newest first. */
async function texts(page: Page, mobile: string): Promise<string[]> {
  const outbox = await page.context().newPage();
  await outbox.goto('/dev/outbox');
  const all = await outbox.locator(`tr[data-to="${mobile}"] .app-outbox__text`).allInnerTexts();
  await outbox.close();
  return all;
}

/** Unix seconds of China's midnight `days` from today (how certificate days are stored). */
function chinaMidnight(days: number): number {
  const now = new Date(Date.now() + 8 * 3600_000);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days) / 1000 - 8 * 3600;
}

/** `2027年12月7日` for the day before the date `years` after `days` from today, in China. */
function chinaDateLabel(days: number, years: number): string {
  const now = new Date(Date.now() + 8 * 3600_000);
  const d = new Date(Date.UTC(now.getUTCFullYear() + years, now.getUTCMonth(), now.getUTCDate() + days - 1));
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

test('an applicant pays, fixes what review flagged, enters the financial code and sees the shipment', async ({ page, browser, baseURL }, testInfo) => {
  const errors = collectErrors(page);
  addReviewer();

  // Applicant: submit, scans, phone step.
  await startApplication(page);
  const number = await submitApplication(page);
  await page.goto(`/p/soetp/applications/${number}/materials`);
  await hydrated(page);
  await uploadAll(page);
  await page.goto(`/p/soetp/applications/${number}/identity`);
  await hydrated(page);
  await completeOnPhone(baseURL!, await scanQr(page));
  await expect(page.getByTestId('identity-done')).toBeVisible();

  // Pay by WeChat in the sandbox cashier the QR code opens.
  await page.goto(`/p/soetp/applications/${number}/pay`);
  await hydrated(page);
  await page.getByRole('button', { name: '确认资料无误，去支付' }).click();
  await page.getByRole('link', { name: '微信支付' }).click();
  const qr = page.getByTestId('pay-qr');
  await expect(qr.locator('svg')).toBeVisible();
  const cashierUrl = readQrCode(await qr.screenshot());
  const phone = await browser.newContext();
  const cashier = await phone.newPage();
  await cashier.goto(cashierUrl);
  await expect(cashier.getByTestId('cashier-amount')).toHaveText('¥800.00');
  await cashier.getByRole('button', { name: '确认支付' }).click();
  await expect(cashier.getByRole('heading', { name: '支付成功' })).toBeVisible();
  await phone.close();
  await expect(page.getByTestId('pay-done')).toBeVisible({ timeout: 15_000 });

  // 我的申请 lists it in review.
  await page.goto('/p/soetp/me');
  const row = page.getByRole('row').filter({ hasText: number });
  await expect(row).toContainText('待审核');
  await checkAccessibility(page);

  // Reviewer: rejects the authorization letter.
  const { context: reviewerContext, console } = await signInReviewer(browser);
  await consoleDetail(console, number, true);
  await console.getByLabel('《授权委托书》扫描件', { exact: true }).check();
  await console.getByLabel('《授权委托书》扫描件的原因').selectOption('未加盖公章');
  await console.getByLabel(/补充说明/).fill('请加盖单位公章后重新扫描上传');
  await console.getByRole('button', { name: '驳回' }).click();
  await expect(console.getByText('未通过').first()).toBeVisible();

  // Applicant: sees the reason, re-uploads only that scan, resubmits.
  await page.goto(`/p/soetp/applications/${number}`);
  await hydrated(page);
  await expect(page.getByText('当前状态：未通过')).toBeVisible();
  await expect(page.locator('.app-flags')).toContainText('《授权委托书》扫描件：未加盖公章');
  await expect(page.getByText('审核员说明：请加盖单位公章后重新扫描上传')).toBeVisible();
  await expect(page.getByRole('button', { name: '重新提交审核' })).toBeDisabled();
  await snap(page, testInfo, 'order-rejected');
  await checkAccessibility(page);
  await page.getByRole('link', { name: /去修改\s*《授权委托书》扫描件/ }).click();
  await hydrated(page);
  // Only the flagged slot takes a file.
  await expect(page.locator('#slot-authorization_letter .app-slot__flag')).toContainText('未加盖公章');
  await expect(page.locator('#slot-business_license .app-slot__actions')).toBeHidden();
  const stamped = await canvasImage(page, { width: 1240, height: 1754, type: 'image/jpeg', noise: 8 });
  await page.locator('#file-authorization_letter').setInputFiles({ name: 'stamped.jpg', mimeType: 'image/jpeg', buffer: stamped });
  await expect(page.locator('#slot-authorization_letter .app-slot__file')).toContainText('stamped.jpg', { timeout: 15_000 });
  await page.getByRole('link', { name: '返回申请详情' }).click();
  await hydrated(page);
  await expect(page.locator('.app-flags')).toContainText('已修改');
  await page.getByRole('button', { name: '重新提交审核' }).click();
  await expect(page.getByText('当前状态：待审核')).toBeVisible({ timeout: 15_000 });

  // Reviewer: sees what changed, approves.
  await consoleDetail(console, number, true);
  await expect(console.getByText(/已修改：《授权委托书》扫描件/)).toBeVisible();
  await console.getByRole('button', { name: '审核通过' }).click();
  await expect(console.getByText('待金融认证').first()).toBeVisible();

  // Applicant: the code from the company account's statement, one wrong try first.
  await page.goto(`/p/soetp/applications/${number}`);
  await hydrated(page);
  await expect(page.getByText('当前状态：待金融认证')).toBeVisible();
  await expect(page.getByText(/还可以输入 5 次/)).toBeVisible();
  const code = await memoCode(page);
  await page.getByLabel('金融认证验证码').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: '提交验证码' }).click();
  await expect(page.getByLabel('金融认证验证码')).toHaveAccessibleDescription(/验证码不正确，还可以再试 4 次/);
  await snap(page, testInfo, 'order-bank-check');
  await page.getByLabel('金融认证验证码').fill(code);
  await page.getByRole('button', { name: '提交验证码' }).click();
  await expect(page.getByText('当前状态：金融认证成功')).toBeVisible({ timeout: 15_000 });

  // Reviewer: production and shipment.
  await consoleDetail(console, number);
  await console.getByRole('button', { name: '签发证书并开始制证' }).click();
  await expect(console.getByText('制证中').first()).toBeVisible();
  // The certificates exist from here: the organisation's, with a serial and a U-key number.
  const issued = console.locator('#certificates');
  await expect(issued).toContainText('机构证书');
  await expect(issued).toContainText(/[0-9A-F]{20}/);
  await console.getByLabel('快递公司').selectOption('顺丰速运');
  await console.getByLabel('运单号').fill('SF1234567890123');
  await console.getByRole('button', { name: '标记已寄出' }).click();
  await expect(console.getByText('已寄出').first()).toBeVisible();
  await reviewerContext.close();

  // Applicant: 已寄出 with the tracking number, and every notice on the way.
  await page.goto(`/p/soetp/applications/${number}`);
  await hydrated(page);
  await expect(page.getByText('当前状态：已寄出')).toBeVisible();
  await expect(page.getByTestId('shipment')).toContainText('SF1234567890123');
  await expect(page.locator('.app-timeline')).toContainText('审核未通过');
  await expect(page.locator('.app-timeline')).toContainText('已修改并重新提交');
  await snap(page, testInfo, 'order-shipped');

  // 我的证书 in the personal centre: the certificate, valid, with what it is open to today.
  await page.goto('/p/soetp/me');
  await hydrated(page);
  const card = page.locator('.app-cert').first();
  await expect(card).toContainText('机构证书');
  await expect(card).toContainText('有效');
  await expect(card).toContainText(number);
  await expect(card).toContainText(/续期：到期前30日内可续期/);
  await expect(card.getByRole('link', { name: '办理注销' })).toBeVisible();
  await expect(card.getByRole('link', { name: '办理解锁' })).toBeVisible();
  await expect(card.getByRole('link', { name: '办理介质补办' })).toBeVisible();
  await checkAccessibility(page);
  await snap(page, testInfo, 'my-certificates');

  // Months later: 20 days before the organisation's certificate expires (issued long ago,
  // so its 30-day reminder is due), the maintenance task texts the agent once a minute at most.
  const inTwentyDays = chinaMidnight(20);
  runSql(
    `UPDATE certificates SET valid_to = ${inTwentyDays}, issued_at = issued_at - 400 * 86400
     WHERE kind = 'org' AND application_id = (SELECT id FROM applications WHERE number = '${number}')`,
  );
  await expect
    .poll(async () => (await texts(page, valid.agentMobile)).join('\n'), { timeout: 75_000, intervals: [5_000] })
    .toMatch(/机构证书（序列号尾号 [0-9A-F]{6}）将于.*到期（还有20天）/);

  // Renewal of two years from 我的证书, paid in the sandbox cashier.
  await page.goto('/p/soetp/me');
  await hydrated(page);
  const orgCard = page.locator('.app-cert', { hasText: '即将到期' });
  await expect(orgCard).toContainText('20 天');
  await orgCard.getByRole('link', { name: '办理续期' }).click();
  await expect(page.getByRole('heading', { name: '证书续期', level: 1 })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('续期年限').selectOption('2');
  await expect(page.locator('.app-renewal-total')).toHaveText('应付金额：760.00 元');
  await checkAccessibility(page);
  await snap(page, testInfo, 'renewal');
  await page.getByRole('button', { name: '确认续期并去支付' }).click();
  await expect(page.getByRole('heading', { name: '支付费用', level: 1 })).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId('quote-total')).toHaveText('760.00 元');
  await page.getByRole('link', { name: '微信支付' }).click();
  const renewalQr = readQrCode(await page.getByTestId('pay-qr').screenshot());
  const renewalCashier = await (await browser.newContext()).newPage();
  await renewalCashier.goto(renewalQr);
  await renewalCashier.getByRole('button', { name: '确认支付' }).click();
  await expect(renewalCashier.getByRole('heading', { name: '支付成功' })).toBeVisible();
  await renewalCashier.context().close();
  await expect(page.getByTestId('pay-done')).toBeVisible({ timeout: 15_000 });

  // The new term runs on from the old expiry: two more years.
  await page.goto('/p/soetp/me');
  await hydrated(page);
  const renewed = page.locator('.app-cert', { hasText: '机构证书' }).first();
  await expect(renewed).toContainText(`至 ${chinaDateLabel(20 + 1, 2)}`);
  expect((await texts(page, valid.agentMobile)).join('\n')).toContain('续期');
  const sent = (await texts(page, valid.agentMobile)).join('\n');
  for (const notice of ['已进入审核', '未通过审核。原因：《授权委托书》扫描件未加盖公章', '0.01 元', '金融认证成功', '已寄出，顺丰速运 运单号 SF1234567890123']) {
    expect(sent).toContain(notice);
  }
  // Another applicant reaches nothing of it, by URL.
  const stranger = await browser.newContext({ locale: 'zh-CN' });
  const other = await stranger.newPage();
  await startApplication(other);
  await other.goto(`/p/soetp/applications/${number}`);
  await expect(other.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  await stranger.close();
  expect(errors).toEqual([]);
});
