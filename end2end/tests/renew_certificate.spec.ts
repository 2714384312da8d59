import { expect, test } from '@playwright/test';
import { readQrCode } from './files';
import { hydrated, issuedOrder, snap, textedTo } from './flow';
import { checkAccessibility, collectErrors, runSql } from './helpers';
import { addReviewer, consoleDetail, letterText, signInReviewer } from './review';

// 续期 on every screen size: a certificate 20 days from expiry, renewed for two years from
// 我的证书 up to the pay page. The whole renewal (reminder, payment, new expiry) is in
// follow_order.spec.ts.
test('a certificate near its expiry is renewed from 我的证书 to the pay page', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  const { serial } = await issuedOrder(page);
  runSql(`UPDATE certificates SET valid_to = valid_from + 20 * 86400 WHERE serial = '${serial}'`);

  await page.goto('/p/soetp/me');
  await hydrated(page);
  const card = page.locator('.app-cert', { hasText: serial });
  await expect(card).toContainText('即将到期');
  await card.getByRole('link', { name: '办理续期' }).click();
  await expect(page.getByRole('heading', { name: '证书续期', level: 1 })).toBeVisible();
  await hydrated(page);
  const years = page.getByLabel('续期年限');
  await expect(years).toHaveValue('1');
  await years.selectOption('2');
  await expect(page.locator('.app-renewal-total')).toHaveText('应付金额：760.00 元');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await checkAccessibility(page);
  await snap(page, testInfo, 'renewal-near-expiry');
  await page.getByRole('button', { name: '确认续期并去支付' }).click();
  await expect(page.getByRole('heading', { name: '支付费用', level: 1 })).toBeVisible();
  await hydrated(page);
  await expect(page.getByTestId('quote-total')).toHaveText('760.00 元');
  expect(errors).toEqual([]);
});

/** `2027年12月7日`: the last day of a term of `years` starting today in China. */
function lastDayLabel(years: number): string {
  const now = new Date(Date.now() + 8 * 3600_000);
  const d = new Date(Date.UTC(now.getUTCFullYear() + years, now.getUTCMonth(), now.getUTCDate() - 1));
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

// Expired over a year: the scans and review first (the scans and the phone step themselves are
// the new application's specs; here the order is moved past them in the database), then the
// money, then a term from today.
test('a certificate expired over a year is reviewed first, then paid and renewed from today', async ({ page, browser }, testInfo) => {
  test.setTimeout(90_000);
  const errors = collectErrors(page);
  addReviewer();
  const { serial, number: first, agent } = await issuedOrder(page);
  runSql(
    `UPDATE certificates SET valid_from = valid_from - 800 * 86400, valid_to = valid_from - 436 * 86400 WHERE serial = '${serial}'`,
  );
  await page.goto('/p/soetp/me');
  await hydrated(page);
  const card = page.locator('.app-cert', { hasText: serial });
  await expect(card).toContainText('已过期');
  await card.getByRole('link', { name: '办理续期' }).click();
  await hydrated(page);
  await expect(page.getByText('证书过期已超过一年：续期前需重新上传盖章资料')).toBeVisible();
  await expect(page.getByLabel('续期年限')).toHaveValue('1');
  await expect(page.locator('.app-renewal-total')).toHaveText('应付金额：380.00 元');
  await checkAccessibility(page);
  await snap(page, testInfo, 'renewal-checks');
  await page.getByRole('button', { name: '提交续期申请，去上传资料' }).click();
  await expect(page).toHaveURL(/\/applications\/SQ\d+\/materials$/);
  const number = /(SQ\d+)/.exec(page.url())![1];
  expect(number).not.toBe(first);
  await hydrated(page);
  expect(await letterText(page)).toContain('申请续期下列数字证书');

  // Nothing to pay before review.
  await page.goto(`/p/soetp/applications/${number}/pay`);
  await expect(page.getByText('提交审核前请先完成以下事项')).toBeVisible();
  runSql(`UPDATE applications SET status = 'awaiting_review' WHERE number = '${number}'`);
  await page.reload();
  await expect(page.getByTestId('review-first')).toContainText('资料已提交审核');

  const { context: reviewerContext, console } = await signInReviewer(browser);
  await consoleDetail(console, number);
  await console.getByRole('button', { name: '审核通过' }).click();
  await expect(console.getByText('待支付').first()).toBeVisible();
  await reviewerContext.close();
  await textedTo(page, agent, number, /(已通过核验)/);

  await page.goto(`/p/soetp/applications/${number}/pay`);
  await hydrated(page);
  await expect(page.getByTestId('quote-total')).toHaveText('380.00 元');
  await page.getByRole('link', { name: '微信支付' }).click();
  const cashier = await (await browser.newContext()).newPage();
  await cashier.goto(readQrCode(await page.getByTestId('pay-qr').screenshot()));
  await cashier.getByRole('button', { name: '确认支付' }).click();
  await expect(cashier.getByRole('heading', { name: '支付成功' })).toBeVisible();
  await cashier.context().close();
  await expect(page.getByTestId('pay-done')).toBeVisible({ timeout: 15_000 });
  // A renewal keeps the key and its PIN: nothing is said about a new one.
  await expect(page.getByText('PIN')).toHaveCount(0);

  await page.goto('/p/soetp/me');
  await hydrated(page);
  const renewed = page.locator('.app-cert', { hasText: serial });
  await expect(renewed).toContainText(`至 ${lastDayLabel(1)}`);
  await expect(renewed).not.toContainText('已过期');
  expect(errors).toEqual([]);
});
