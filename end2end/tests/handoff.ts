import { expect, type Page } from '@playwright/test';
import { readQrCode } from './files';
import { fakeCamera, phoneBrowser, phoneContext } from './camera';

/** Reads the QR code on the desktop's identity step from a screenshot, as a phone camera would. */
export async function scanQr(page: Page): Promise<string> {
  const qr = page.getByTestId('handoff-qr');
  await expect(qr.locator('svg')).toBeVisible();
  const url = readQrCode(await qr.screenshot());
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/m\/[A-Za-z0-9_-]{22}$/);
  return url;
}

/** On the phone's ID screen: opens the camera (then `before`, e.g. a screenshot) and shoots. */
export async function photographSide(phone: Page, side: string, before?: () => Promise<void>) {
  await expect(phone.getByRole('heading', { name: `拍摄身份证${side}` })).toBeVisible();
  await expect(phone.locator('#phone[data-ready="true"]')).toBeAttached();
  await phone.getByRole('button', { name: '打开相机拍摄' }).click();
  await expect(phone.locator('#phone-video')).toBeVisible();
  await before?.();
  await phone.getByRole('button', { name: '拍照', exact: true }).click();
}

/**
 * The whole phone step for the link `url`: a second Chromium with a moving fake camera claims
 * it, photographs both sides of the ID card and passes liveness.
 */
export async function completeOnPhone(baseURL: string, url: string) {
  const browser = await phoneBrowser(fakeCamera('moving'));
  try {
    const phone = await (await phoneContext(browser, baseURL)).newPage();
    await phone.goto(url);
    await phone.getByRole('button', { name: '开始认证' }).click();
    await photographSide(phone, '人像面');
    await photographSide(phone, '国徽面');
    await expect(phone.getByRole('heading', { name: '活体检测' })).toBeVisible();
    await expect(phone.locator('#phone[data-ready="true"]')).toBeAttached();
    await phone.getByRole('button', { name: '开始检测' }).click();
    await expect(phone.getByRole('heading', { name: '认证完成' })).toBeVisible({ timeout: 20_000 });
  } finally {
    await browser.close();
  }
}
