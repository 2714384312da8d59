import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { canvasImage, withJpegComment } from './files';
import { org, snap, startApplication, submitApplication } from './flow';
import { fakeCamera, phoneBrowser, phoneContext } from './camera';
import { photographSide, scanQr } from './handoff';
import { checkAccessibility, collectErrors } from './helpers';

// Two browsers talk to one server: the desktop (this project's) and a phone with a fake
// camera. Once per run is enough, so only the desktop project runs these.
test.beforeEach(({}, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'runs in the desktop project');
});
test.setTimeout(120_000);

/** Submits an application and opens its 在线认证 step; returns the link in the QR code. */
async function desktopQr(page: Page): Promise<string> {
  await startApplication(page);
  const number = await submitApplication(page);
  await page.goto(`/p/soetp/applications/${number}/identity`);
  await expect(page.locator('.app-identity-page[data-hydrated="true"]')).toBeAttached({ timeout: 20_000 });
  return scanQr(page);
}

test('the agent finishes on the phone and the desktop moves on by itself', async ({ page, baseURL }, testInfo) => {
  const errors = collectErrors(page);
  const url = await desktopQr(page);
  await expect(page.getByTestId('short-code')).toHaveText(/^\d{3} \d{3}$/);
  await expect(page.getByText(/二维码 \d+:\d\d 后自动更新/)).toBeVisible();
  await snap(page, testInfo, 'identity-qr');
  await checkAccessibility(page);
  // The same link by text message, to the agent's number from the form.
  await page.getByRole('button', { name: '发送短信链接到经办人手机' }).click();
  await expect(page.getByRole('status').filter({ hasText: '短信已发送到 139****4321' })).toBeVisible();

  const browser = await phoneBrowser(fakeCamera('moving'));
  try {
    const context = await phoneContext(browser, baseURL!);
    const phone = await context.newPage();
    const phoneErrors = collectErrors(phone);
    const loaded: string[] = [];
    phone.on('request', (r) => loaded.push(new URL(r.url()).pathname));
    await phone.goto(url);
    await expect(phone.getByRole('heading', { name: '手机身份认证' })).toBeVisible();
    await expect(phone.getByText(`请由经办人（${org.agent[0]}**）本人操作`)).toBeVisible();
    await snap(phone, testInfo, 'phone-claim');
    await checkAccessibility(phone);
    // Opening the link claimed nothing: the desktop still waits for a scan.
    await expect(page.getByTestId('handoff-state')).toHaveText('等待手机扫码');
    await phone.getByRole('button', { name: '开始认证' }).click();
    await expect(page.getByTestId('handoff-state')).toHaveText(/手机已连接/);

    await photographSide(phone, '人像面', () => snap(phone, testInfo, 'phone-id-camera'));
    await photographSide(phone, '国徽面');
    await expect(page.locator('.app-handoff__steps')).toContainText('身份证人像面已识别');

    await expect(phone.getByRole('heading', { name: '活体检测' })).toBeVisible();
    await expect(phone.locator('#phone[data-ready="true"]')).toBeAttached();
    await phone.getByRole('button', { name: '开始检测' }).click();
    await expect(phone.locator('#phone-prompt')).toHaveText(/^请(眨眼|张嘴|向左转头|向右转头|点头)$/);
    await snap(phone, testInfo, 'phone-liveness');
    await expect(phone.getByRole('heading', { name: '认证完成' })).toBeVisible({ timeout: 20_000 });
    await snap(phone, testInfo, 'phone-done');

    // The desktop advanced without a reload.
    await expect(page.getByTestId('identity-done')).toBeVisible();
    await expect(page.getByRole('heading', { name: '身份认证已完成' })).toBeFocused();
    const steps = page.locator('.app-handoff__steps');
    for (const line of ['手机已连接', '身份证人像面已识别', '身份证国徽面已识别', '活体检测通过', '人脸比对通过']) {
      await expect(steps).toContainText(line);
    }
    await snap(page, testInfo, 'identity-done');

    // Light: the phone fetched its own module, not the desktop application or the PDF code.
    expect(loaded.some((p) => p.startsWith('/phone/'))).toBe(true);
    expect(loaded.filter((p) => p.startsWith('/pkg/') && !p.endsWith('.css'))).toEqual([]);
    expect(loaded.filter((p) => p.startsWith('/print/'))).toEqual([]);
    expect(phoneErrors).toEqual([]);
  } finally {
    await browser.close();
  }
  expect(errors).toEqual([]);
});

test('a second phone, a name that disagrees, a replaced code and a still picture each say what to do', async ({ page, baseURL }, testInfo) => {
  // This desktop has no EventSource: it must follow the phone by polling.
  await page.addInitScript(() => {
    delete (window as { EventSource?: unknown }).EventSource;
  });
  const url = await desktopQr(page);

  // Phone A, without JavaScript: claims the link and sends a card naming someone else.
  const still = await phoneBrowser(fakeCamera('still'));
  try {
    const a = await (await phoneContext(still, baseURL!, false)).newPage();
    await a.goto(url);
    await a.getByRole('button', { name: '开始认证' }).click();
    await expect(a.getByRole('heading', { name: '拍摄身份证人像面' })).toBeVisible();
    const card = withJpegComment(
      await canvasImage(page, { width: 856, height: 540, type: 'image/jpeg' }),
      'cert-portal-ocr:name=李四',
    );
    await a.locator('#phone-file').setInputFiles({ name: 'card.jpg', mimeType: 'image/jpeg', buffer: card });
    await a.getByRole('button', { name: '上传照片' }).click();
    const mismatch = a.locator('#phone-mismatch');
    await expect(mismatch).toContainText(`姓名不一致：申请表为“${org.agent}”，身份证为“李四”`);
    await expect(mismatch).toContainText('还可重拍 3 次');
    await snap(a, testInfo, 'phone-mismatch');
    await expect(page.locator('.app-handoff__steps')).toContainText('身份证人像面与申请表信息不一致');
    await expect(page.getByRole('alert').filter({ hasText: '姓名不一致' })).toBeVisible();

    // Phone B opens the same link: it belongs to phone A now.
    const b = await (await phoneContext(still, baseURL!)).newPage();
    await b.goto(url);
    await expect(b.getByRole('heading', { name: '请在原来的手机上继续' })).toBeVisible();
    await expect(b.getByRole('button', { name: '开始认证' })).toHaveCount(0);

    // The desktop starts over with another phone: phone A's link stops working.
    await page.getByRole('button', { name: '换一部手机，重新扫码' }).click();
    const fresh = await scanQr(page);
    expect(fresh).not.toBe(url);
    await a.reload();
    await expect(a.getByRole('heading', { name: '请回到电脑重新扫码' })).toBeVisible();

    // Phone C types the short code instead of scanning, and shows the camera a still picture.
    const code = (await page.getByTestId('short-code').innerText()).replace(/\s/g, '');
    const c = await (await phoneContext(still, baseURL!)).newPage();
    await c.goto('/m');
    await c.getByLabel('认证码').fill('000000');
    await c.getByRole('button', { name: '继续' }).click();
    await expect(c.locator('#code-error')).toContainText('认证码不正确');
    await c.getByLabel('认证码').fill(code);
    await c.getByRole('button', { name: '继续' }).click();
    await c.getByRole('button', { name: '开始认证' }).click();
    await photographSide(c, '人像面');
    await photographSide(c, '国徽面');
    await expect(c.locator('#phone[data-ready="true"]')).toBeAttached();
    await c.getByRole('button', { name: '开始检测' }).click();
    const failure = c.locator('#phone-last-failure');
    await expect(failure).toContainText('还可以再试 2 次', { timeout: 20_000 });
    await snap(c, testInfo, 'phone-still-image');
    await expect(page.locator('.app-handoff__steps')).toContainText('活体检测未通过');
  } finally {
    await still.close();
  }
});

test('the phone refuses a dark photo with the reason, then lets review decide; a refused camera gets directions', async ({ page, baseURL }) => {
  const url = await desktopQr(page);

  const dark = await phoneBrowser(fakeCamera('dark'));
  try {
    const phone = await (await phoneContext(dark, baseURL!)).newPage();
    await phone.goto(url);
    await phone.getByRole('button', { name: '开始认证' }).click();
    await photographSide(phone, '人像面');
    const status = phone.locator('#phone-status');
    await expect(status).toContainText('照片太暗');
    await expect(status).toContainText('还可重拍 2 次');
    const shoot = phone.getByRole('button', { name: '拍照', exact: true });
    await shoot.click();
    await expect(status).toContainText('还可重拍 1 次');
    await shoot.click();
    await expect(status).toContainText('再拍一次后将直接上传');
    // The fourth photo goes to the server as it is.
    await shoot.click();
    await expect(phone.getByRole('heading', { name: '拍摄身份证国徽面' })).toBeVisible();
  } finally {
    await dark.close();
  }

  // A new link on the desktop, opened in WeChat where the camera permission was refused.
  await page.getByRole('button', { name: '换一部手机，重新扫码' }).click();
  const fresh = await scanQr(page);
  const denied = await phoneBrowser(fakeCamera('still'), true);
  try {
    const phone = await (await phoneContext(denied, baseURL!)).newPage();
    await phone.goto(fresh);
    await phone.getByRole('button', { name: '开始认证' }).click();
    await expect(phone.locator('#phone[data-ready="true"]')).toBeAttached();
    await phone.getByRole('button', { name: '打开相机拍摄' }).click();
    const help = phone.locator('#phone-help');
    await expect(help).toContainText('摄像头权限被拒绝了');
    await expect(help).toContainText('“设置” → 找到“微信” → 打开“相机”');
    // The system camera through the file field is still there.
    await expect(phone.getByText('用手机相机拍照或从相册选择')).toBeVisible();
  } finally {
    await denied.close();
  }
});

test('an expired link tells the phone to rescan, and the desktop draws a new one by itself', async ({ page, baseURL }) => {
  const url = await desktopQr(page);
  // Ten minutes pass without a scan: the link's claim deadline moves into the past.
  const token = url.split('/m/')[1];
  execFileSync('sqlite3', [
    join(process.env.E2E_DATA_DIR!, 'portal.db'),
    `UPDATE handoffs SET claim_deadline = unixepoch() - 1
       WHERE id = (SELECT handoff_id FROM handoff_tokens WHERE token_hash = X'${tokenHash(token)}')`,
  ]);
  const browser = await phoneBrowser(fakeCamera('still'));
  try {
    const phone = await (await phoneContext(browser, baseURL!)).newPage();
    await phone.goto(url);
    await expect(phone.getByRole('heading', { name: '请回到电脑重新扫码' })).toBeVisible();
    await expect(phone.getByRole('button', { name: '开始认证' })).toHaveCount(0);
    await expect(phone.getByRole('link', { name: '输入电脑上显示的认证码' })).toBeVisible();
  } finally {
    await browser.close();
  }
  // The desktop learns of the expiry and replaces the code without a reload.
  await expect(async () => expect(await scanQr(page)).not.toBe(url)).toPass({ timeout: 15_000 });
  await expect(page.getByTestId('handoff-state')).toHaveText('等待手机扫码');
});

/** How the server stores a link: SHA-256 of the token's 16 bytes (server/src/handoff/token.rs). */
function tokenHash(token: string): string {
  return createHash('sha256').update(Buffer.from(token, 'base64url')).digest('hex');
}

test('a card that disagrees with the form: the agent corrects the form and scans a new code', async ({ page, baseURL }) => {
  const url = await desktopQr(page);
  const browser = await phoneBrowser(fakeCamera('still'));
  try {
    const phone = await (await phoneContext(browser, baseURL!, false)).newPage();
    await phone.goto(url);
    await phone.getByRole('button', { name: '开始认证' }).click();
    const card = withJpegComment(
      await canvasImage(page, { width: 856, height: 540, type: 'image/jpeg' }),
      'cert-portal-ocr:name=李四',
    );
    await phone.locator('#phone-file').setInputFiles({ name: 'card.jpg', mimeType: 'image/jpeg', buffer: card });
    await phone.getByRole('button', { name: '上传照片' }).click();
    await expect(phone.locator('#phone-mismatch')).toContainText('姓名不一致');

    // The form was wrong, not the photo: correct it on the computer.
    await page.getByRole('alert').filter({ hasText: '姓名不一致' }).getByRole('link', { name: '更正经办人信息' }).click();
    await expect(page.getByRole('heading', { name: '修改经办人信息' })).toBeVisible();
    await expect(page.getByLabel('经办人姓名')).toHaveValue(org.agent);
    await page.getByLabel('移动电话').fill('1398765');
    await page.getByRole('button', { name: '保存修改' }).click();
    await expect(page.getByLabel('移动电话')).toHaveAccessibleDescription(/手机号/);
    await page.getByLabel('移动电话').fill('13987654321');
    await page.getByLabel('经办人姓名').fill('李四');
    await page.getByRole('button', { name: '保存修改' }).click();

    // Back on 在线认证 with a new code for the corrected details; the old link is retired.
    await expect(page).toHaveURL(/\/identity$/);
    const fresh = await scanQr(page);
    expect(fresh).not.toBe(url);
    await phone.reload();
    await expect(phone.getByRole('heading', { name: '请回到电脑重新扫码' })).toBeVisible();
  } finally {
    await browser.close();
  }
});
