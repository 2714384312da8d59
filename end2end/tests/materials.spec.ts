import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { checkAccessibility, collectErrors } from './helpers';
import { hydrated, org, snap, startApplication, submitApplication } from './flow';
import { canvasImage, encrypt, pdfPage, pdfQrCode, pdfText, windowsProgram } from './files';

const documentCode = /\/print\/|\/documents\/font/;

async function openMaterials(page: Page) {
  await page.getByRole('link', { name: '打印并上传资料' }).click();
  await expect(page).toHaveURL(/\/applications\/[A-Z0-9]+\/materials$/);
  await hydrated(page);
}

async function choose(page: Page, slot: string, name: string, mimeType: string, buffer: Buffer) {
  await page.locator(`#file-${slot}`).setInputFiles({ name, mimeType, buffer });
}

test('print the letter in the browser, upload the scans, and get a clear answer for every bad file', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const errors = collectErrors(page);

  await startApplication(page);
  const number = await submitApplication(page);
  await openMaterials(page);
  // Nothing of the PDF generator or its font loaded on the way here.
  expect(requests.filter((url) => documentCode.test(url))).toEqual([]);
  await checkAccessibility(page);

  // 授权委托书, rendered in the browser.
  const letter = page.locator('[data-document="authorization-letter"]');
  await letter.getByRole('link', { name: '生成 PDF：授权委托书' }).click();
  const download = letter.getByTestId('download-pdf');
  await expect(download).toBeVisible({ timeout: 20_000 });
  expect(requests.some((url) => url.endsWith('/print/documents_bg.wasm'))).toBe(true);
  const [saved] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(saved.suggestedFilename()).toBe(`授权委托书-${number}.pdf`);
  const pdf = readFileSync(await saved.path());
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  expect(pdf.length).toBeLessThan(200 * 1024);
  const text = pdfText(pdf);
  for (const fact of [org.name, org.agent, org.holder, number]) {
    expect(text.replace(/\s+/g, '')).toContain(fact);
  }
  pdfPage(pdf, join(__dirname, '..', 'output', 'screenshots', `authorization-letter-${testInfo.project.name}.png`));

  // Its QR code opens the verification page, which matches paper and order.
  const verifyUrl = pdfQrCode(pdf);
  expect(verifyUrl).toMatch(new RegExp(`/verify/${number}\\?c=[0-9a-f]{16}$`));
  const verify = await page.context().newPage();
  await verify.goto(verifyUrl);
  await expect(verify.getByRole('heading', { name: '文件与申请相符' })).toBeVisible();
  await expect(verify.getByText(org.name)).toBeVisible();
  await checkAccessibility(verify);
  await verify.goto(verifyUrl.replace(/c=\w+$/, 'c=0000000000000000'));
  await expect(verify.getByRole('heading', { name: '无法核验' })).toBeVisible();
  await verify.close();

  // The stamped letter goes back up as a PDF.
  await choose(page, 'authorization_letter', '授权委托书.pdf', 'application/pdf', pdf);
  const letterSlot = page.locator('#slot-authorization_letter');
  await expect(letterSlot.getByText('已上传')).toBeVisible();
  await expect(letterSlot.getByText(/PDF，1 页/)).toBeVisible();

  // A JPG scan of the licence, with a thumbnail.
  const licence = await canvasImage(page, { width: 1200, height: 850, type: 'image/jpeg' });
  await choose(page, 'business_license', '营业执照.jpg', 'image/jpeg', licence);
  const licenceSlot = page.locator('#slot-business_license');
  await expect(licenceSlot.getByText('已上传')).toBeVisible();
  await expect(licenceSlot.getByRole('img', { name: /营业执照扫描件的预览/ })).toBeVisible();

  // A phone photo over 2 MB is shrunk in the browser and accepted.
  const photo = await canvasImage(page, { width: 2600, height: 1950, type: 'image/png', noise: 48 });
  expect(photo.length).toBeGreaterThan(2 * 1024 * 1024);
  await choose(page, 'applicant_id_copy-0', 'IMG_0001.png', 'image/png', photo);
  const idSlot = page.locator('#slot-applicant_id_copy-0');
  await expect(idSlot.getByText('已上传')).toBeVisible({ timeout: 20_000 });
  await expect(idSlot.getByText(/JPEG 图片，2600×1950/)).toBeVisible();

  // Bad files: each its own message at the slot, nothing stored.
  const sealSlot = page.locator('#slot-seal_form');
  await choose(page, 'seal_form', '采集表.jpg', 'image/jpeg', windowsProgram());
  await expect(sealSlot.getByRole('alert')).toContainText('看起来是 Windows 程序');
  await expect(page.locator('#file-seal_form')).toHaveAttribute('aria-invalid', 'true');
  await choose(page, 'seal_form', '采集表.pdf', 'application/pdf', Buffer.alloc(0));
  await expect(sealSlot.getByRole('alert')).toContainText('文件是空的');
  await choose(page, 'seal_form', '采集表.pdf', 'application/pdf', encrypt(pdf));
  await expect(sealSlot.getByRole('alert')).toContainText('设置了密码');
  await expect(sealSlot.getByText('待上传')).toBeVisible();
  await expect(page.getByText('已上传 3 / 4 项')).toBeVisible();
  await snap(page, testInfo, 'materials');
  await checkAccessibility(page);

  // Everything is still there after a reload; a file can be removed.
  await page.reload();
  await hydrated(page);
  await expect(page.getByText('已上传 3 / 4 项')).toBeVisible();
  await licenceSlot.getByRole('button', { name: '删除' }).click();
  await expect(licenceSlot.getByText('待上传')).toBeVisible();
  await expect(page.getByText('已上传 2 / 4 项')).toBeVisible();
  // The refused files' 415/422 answers are the only failed requests.
  expect(errors.filter((e) => !/status of (415|422)/.test(e))).toEqual([]);
});

test('without JavaScript the documents come from the server and uploads are plain forms', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await startApplication(page);
  const number = await submitApplication(page);
  const noJs = await browser.newContext({
    javaScriptEnabled: false,
    storageState: await page.context().storageState(),
  });
  const plain = await noJs.newPage();
  const materials = `/p/soetp/applications/${number}/materials`;
  await plain.goto(materials);
  await expect(plain.getByRole('heading', { name: '打印并上传资料' })).toBeVisible();

  // The same link the hydrated page intercepts serves the server-rendered PDF.
  const href = await plain.locator('[data-document="seal-sheet"] a').first().getAttribute('href');
  const response = await plain.request.get(href!);
  expect(response.headers()['content-type']).toBe('application/pdf');
  const sheet = Buffer.from(await response.body());
  expect(pdfText(sheet).replace(/\s+/g, '')).toContain(org.name);

  // Upload by the form's own button: back on the page with the outcome.
  const slot = plain.locator('#slot-business_license');
  await plain.locator('#file-business_license').setInputFiles({
    name: 'licence.exe',
    mimeType: 'application/octet-stream',
    buffer: windowsProgram(),
  });
  await slot.getByRole('button', { name: '上传' }).click();
  await expect(plain).toHaveURL(new RegExp(`${materials}$`));
  await expect(plain.getByRole('alert')).toContainText('看起来是 Windows 程序');

  await plain.locator('#file-business_license').setInputFiles({ name: 'seal.pdf', mimeType: 'application/pdf', buffer: sheet });
  await slot.getByRole('button', { name: '上传' }).click();
  await expect(plain.getByRole('status').first()).toBeVisible();
  await expect(slot.getByText('已上传')).toBeVisible();
  await noJs.close();
});
