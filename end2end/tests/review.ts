import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, type Browser, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { canvasImage, pdfText } from './files';
import { serverEnv } from './helpers';

// What a journey through review needs: a reviewer in the console, every scan uploaded, and the
// financial check's code from the simulated bank statement.

export const reviewer = { login: `review${Date.now() % 100000}`, password: 'e2e-review-pass-1', name: '张审核' };

let added = false;

/**
 * A reviewer account made the way an operator makes one: the server's CLI on the same data.
 * Once per worker: specs sharing a worker share the account.
 */
export function addReviewer() {
  if (added) return;
  added = true;
  execFileSync(join(__dirname, '..', '..', 'target', 'release', 'server'), ['reviewer', 'add', reviewer.login, '--name', reviewer.name, '--role', 'reviewer'], {
    cwd: join(__dirname, '..', '..'),
    env: { ...serverEnv(), REVIEWER_PASSWORD: reviewer.password, RUST_LOG: 'warn' },
  });
}

/** Uploads a generated scan into every slot of the materials page. */
export async function uploadAll(page: Page) {
  const scan = await canvasImage(page, { width: 1200, height: 850, type: 'image/jpeg' });
  const inputs = page.locator('.app-slot input[type="file"]');
  const count = await inputs.count();
  for (let i = 0; i < count; i++) {
    await inputs.nth(i).setInputFiles({ name: `scan-${i}.jpg`, mimeType: 'image/jpeg', buffer: scan });
    await expect(page.locator('.app-slot--done')).toHaveCount(i + 1, { timeout: 15_000 });
  }
}

/** The six-digit code in the newest memo of the simulated bank statement. */
export async function memoCode(page: Page): Promise<string> {
  const outbox = await page.context().newPage();
  await outbox.goto('/dev/outbox');
  const memo = await outbox.locator('.app-statement__memo').first().innerText();
  await outbox.close();
  return /认证码(\d{6})/.exec(memo)![1];
}

/** The application's page in the console: from the queue while it waits for review. */
export async function consoleDetail(console: Page, number: string, fromQueue = false) {
  if (fromQueue) {
    await console.goto('/console');
    await console.getByRole('link', { name: number }).click();
  } else {
    await console.goto(`/console/applications/${number}`);
  }
  await expect(console.getByText(`申请编号 ${number}`)).toBeVisible();
}

/** A second browser context signed in to the console as the reviewer `addReviewer` made. */
export async function signInReviewer(browser: Browser): Promise<{ context: Awaited<ReturnType<Browser['newContext']>>; console: Page }> {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const console = await context.newPage();
  await console.goto('/console/login');
  await console.getByLabel('登录名').fill(reviewer.login);
  await console.getByLabel('密码').fill(reviewer.password);
  await console.getByRole('button', { name: '登录' }).click();
  return { context, console };
}

/** The authorization letter the materials page generates, as text without white space. */
export async function letterText(page: Page): Promise<string> {
  const letter = page.locator('[data-document="authorization-letter"]');
  await letter.getByRole('link', { name: '生成 PDF：授权委托书' }).click();
  const download = letter.getByTestId('download-pdf');
  await expect(download).toBeVisible({ timeout: 20_000 });
  const [saved] = await Promise.all([page.waitForEvent('download'), download.click()]);
  return pdfText(readFileSync(await saved.path())).replace(/\s+/g, '');
}
