import { expect, test, type Page } from '@playwright/test';
import { hydrated, issuedOrder, maskedMobile, snap, textedTo } from './flow';
import { checkAccessibility, checkAccessibilityWithoutScript, collectErrors } from './helpers';

// 注销 and 解锁 from 我的证书: a reason (for a cancellation) and a code texted to the agent's
// mobile; the certificate shown cancelled, or the unlock code texted and redeemed once by the
// CA's driver. At desktop width and at 360 px; the cancellation also without JavaScript.

/** The confirmation code texted to `agent` for the certificate whose serial ends in `tail`. */
function confirmationCode(page: Page, agent: string, tail: string): Promise<string> {
  return textedTo(page, agent, `尾号${tail}的数字证书办理`, /验证码是(\d{6})/);
}

/** Opens the business `link` of the certificate `serial` from the personal centre. */
async function open(page: Page, serial: string, link: string, heading: string) {
  await page.goto('/p/soetp/me');
  await page.locator('.app-cert', { hasText: serial }).getByRole('link', { name: link }).click();
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
}

test('an applicant cancels a certificate with a reason and the texted code', async ({ page }, testInfo) => {
  const { serial, agent } = await issuedOrder(page);
  const tail = serial.slice(16);
  const errors = collectErrors(page);
  await open(page, serial, '办理注销', '证书注销');
  await hydrated(page);
  await expect(page.getByText('注销后证书立即失效且不能恢复')).toBeVisible();
  await checkAccessibility(page);

  // No reason: said at the reasons, and nothing is texted.
  await page.getByRole('button', { name: '确认注销' }).click();
  await expect(page.locator('#action-reason .app-error-message')).toContainText('请选择注销原因');
  await checkAccessibility(page);
  await snap(page, testInfo, 'certificate-cancel-form');

  await page.getByLabel('不再参与投标，无需使用').check();
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expect(page.getByText(`验证码已发送至 ${maskedMobile(agent)}`)).toBeVisible();
  await expect(page.getByLabel('不再参与投标，无需使用')).toBeChecked();
  const code = await confirmationCode(page, agent, tail);
  await page.getByLabel('短信验证码').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: '确认注销' }).click();
  await expect(page.locator('#action-code-error')).toContainText('短信验证码不正确');
  await page.getByLabel('短信验证码').fill(code);
  await page.getByRole('button', { name: '确认注销' }).click();
  await expect(page.getByRole('heading', { name: '证书已注销' })).toBeVisible();
  await checkAccessibility(page);
  await snap(page, testInfo, 'certificate-cancelled');

  await page.getByRole('link', { name: '返回个人中心' }).last().click();
  const card = page.locator('.app-cert', { hasText: serial });
  await expect(card).toContainText('已注销');
  await expect(card.getByRole('link', { name: /^办理/ })).toHaveCount(0);
  await textedTo(page, agent, `尾号${tail}的数字证书已注销`, /(已注销)/);
  expect(errors).toEqual([]);
});

test('an applicant unlocks a U-key and the driver redeems the texted code once', async ({ page, request }, testInfo) => {
  const { serial, agent } = await issuedOrder(page);
  const tail = serial.slice(16);
  const errors = collectErrors(page);
  await open(page, serial, '办理解锁', '证书解锁');
  await hydrated(page);
  await checkAccessibility(page);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expect(page.getByText(`验证码已发送至 ${maskedMobile(agent)}`)).toBeVisible();
  await page.getByLabel('短信验证码').fill(await confirmationCode(page, agent, tail));
  await page.getByRole('button', { name: '确认并发送解锁码' }).click();
  await expect(page.getByRole('heading', { name: '解锁码已发送' })).toBeVisible();
  await expect(page.getByText(`解锁码已发送至 ${maskedMobile(agent)}`)).toBeVisible();
  await expect(page.getByRole('heading', { name: '怎样使用解锁码' })).toBeVisible();
  await checkAccessibility(page);
  await snap(page, testInfo, 'unlock-code-sent');

  // The CA's driver presents serial and code, as the holder typed them.
  const code = await textedTo(page, agent, `尾号${tail}证书的解锁码`, /解锁码是([0-9A-Z-]{14})/);
  const first = await request.post('/api/unlock', { data: { serial, code: code.toLowerCase() } });
  expect(first.status()).toBe(200);
  expect(await first.json()).toEqual({ unlocked: true });
  const again = await request.post('/api/unlock', { data: { serial, code } });
  expect(again.status()).toBe(403);
  expect((await again.json()).error).toContain('解锁码不正确或已失效');
  expect(errors).toEqual([]);
});

test('a certificate is cancelled without JavaScript', async ({ page, browser }) => {
  const { serial, agent } = await issuedOrder(page);
  const tail = serial.slice(16);
  const context = await browser.newContext({
    javaScriptEnabled: false,
    storageState: await page.context().storageState(),
  });
  const plain = await context.newPage();
  await open(plain, serial, '办理注销', '证书注销');
  await plain.getByLabel('证书信息有误或已过时').check();
  await plain.getByRole('button', { name: '获取验证码' }).click();
  await expect(plain.getByText(`验证码已发送至 ${maskedMobile(agent)}`)).toBeVisible();
  await expect(plain.getByLabel('证书信息有误或已过时')).toBeChecked();
  await checkAccessibilityWithoutScript(plain);
  await plain.getByLabel('短信验证码').fill(await confirmationCode(plain, agent, tail));
  await plain.getByRole('button', { name: '确认注销' }).click();
  await expect(plain.getByRole('heading', { name: '证书已注销' })).toBeVisible();
  await context.close();
});
