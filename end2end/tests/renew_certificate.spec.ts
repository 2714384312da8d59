import { expect, test } from '@playwright/test';
import { hydrated, issuedOrder, org, snap } from './flow';
import { checkAccessibility, collectErrors, runSql } from './helpers';

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

test('a certificate expired over a year starts a new application from its details', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  const { serial } = await issuedOrder(page);
  runSql(
    `UPDATE certificates SET valid_from = valid_from - 800 * 86400, valid_to = valid_from - 436 * 86400 WHERE serial = '${serial}'`,
  );
  await page.goto('/p/soetp/me');
  await hydrated(page);
  const card = page.locator('.app-cert', { hasText: serial });
  await expect(card).toContainText('已过期');
  await card.getByRole('link', { name: '办理续期' }).click();
  await hydrated(page);
  await expect(page.getByText('证书过期已超过一年，需要按新办重新提交资料并审核')).toBeVisible();
  await snap(page, testInfo, 'renewal-reapply');
  await page.getByRole('button', { name: '按原信息重新申请' }).click();
  await expect(page).toHaveURL(/\/apply\/choose$/);
  await hydrated(page);
  await page.getByRole('button', { name: '下一步：填写申请信息' }).click();
  await expect(page).toHaveURL(/\/apply\/details$/);
  await hydrated(page);
  await expect(page.getByLabel('机构名称')).toHaveValue(org.name);
  expect(errors).toEqual([]);
});
