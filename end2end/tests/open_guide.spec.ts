import { expect, test } from '@playwright/test';
import { collectErrors } from './helpers';

test('the home page leads to the Shanxi guide', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/');
  await page.getByRole('link', { name: '山西国有企业阳光招采平台' }).click();
  await expect(page).toHaveURL(/\/p\/soetp$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('数字证书办事指南');
  await expect(page).toHaveTitle('山西国有企业阳光招采平台 数字证书办事指南 - 数字证书网上办理');
  expect(errors).toEqual([]);
});

test('an unknown project answers 404 with a way back', async ({ page }) => {
  const response = await page.goto('/p/no-such-platform');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  await expect(page.getByRole('link', { name: /返回首页/ })).toBeVisible();
});

test('pages are served with a nonce-based content security policy', async ({ page }) => {
  const response = await page.goto('/p/soetp');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
});
