import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { checkAccessibility, collectErrors, waitForHydration } from './helpers';

const total = (page: import('@playwright/test').Page) => page.getByTestId('quote-total');

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the guide and the default quote are rendered on the server', async ({ page }) => {
    const response = await page.goto('/p/soetp');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1, name: '数字证书办事指南' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '收费标准' })).toBeVisible();
    await expect(page.getByRole('cell', { name: '380.00 元/年/个（可选 1–5 年）' })).toBeVisible();
    await expect(total(page)).toHaveText('480.00 元');
  });
});

test('the calculator updates the total on every change once hydrated', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  await page.goto('/p/soetp');
  await waitForHydration(page);
  await expect(total(page)).toHaveText('480.00 元');

  const add = page.getByRole('button', { name: '添加机构个人证书' });
  await add.click();
  await expect(total(page)).toHaveText('800.00 元');
  await add.click();
  await expect(total(page)).toHaveText('1,120.00 元');
  await expect(page.getByRole('rowheader', { name: /机构个人证书 2 · 介质费/ })).toBeVisible();

  // Three years for the org cert: 3 × 380 + 100 = 1,240, plus 2 × 320.
  await page.getByLabel('机构证书年限').selectOption('3');
  await expect(total(page)).toHaveText('1,880.00 元');

  // Removing the first holder renumbers the second.
  await page.getByRole('button', { name: '删除机构个人证书 1' }).click();
  await expect(total(page)).toHaveText('1,560.00 元');
  await expect(page.getByLabel('机构个人证书 1 年限')).toBeVisible();
  await page.getByLabel('机构个人证书 1 年限').selectOption('2');
  await expect(total(page)).toHaveText('1,780.00 元');

  // Without the org cert only the org-personal cert is left (an org that already holds one).
  await page.getByLabel('申请机构证书').uncheck();
  await expect(total(page)).toHaveText('540.00 元');
  await expect(page.getByLabel('机构证书年限')).toBeDisabled();

  await page.getByRole('button', { name: '删除机构个人证书 1' }).click();
  await expect(page.locator('.app-quote__empty')).toBeVisible();

  await page.getByLabel('申请机构证书').check();
  await expect(total(page)).toHaveText('480.00 元');

  await page.screenshot({
    path: join(__dirname, "..", "output", "screenshots", `guide-${testInfo.project.name}.png`),
    fullPage: true,
  });
  expect(errors).toEqual([]);
});

test('the guide page has no accessibility violations', async ({ page }) => {
  await page.goto('/p/soetp');
  await waitForHydration(page);
  await page.getByRole('button', { name: '添加机构个人证书' }).click();
  await checkAccessibility(page);
});

test('the calculator works with the keyboard alone', async ({ page }) => {
  await page.goto('/p/soetp');
  await waitForHydration(page);
  await page.getByRole('button', { name: '添加机构个人证书' }).focus();
  await page.keyboard.press('Enter');
  await expect(total(page)).toHaveText('800.00 元');
  await page.keyboard.press('Space');
  await expect(total(page)).toHaveText('1,120.00 元');
});
