import { expect, type Page, type TestInfo } from '@playwright/test';
import { join } from 'node:path';

/** A mobile number no other test uses, so rate limits and drafts never collide. */
export function freshMobile(): string {
  return `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

/** Reads the newest login code texted to `mobile` from the local provider's outbox. */
export async function readCode(page: Page, mobile: string): Promise<string> {
  const outbox = await page.context().newPage();
  try {
    let code = '';
    await expect(async () => {
      await outbox.goto('/dev/outbox');
      const text = await outbox.locator(`tr[data-to="${mobile}"] .app-outbox__text`).first().innerText();
      code = /验证码[^\d]*(\d{6})/.exec(text)?.[1] ?? '';
      expect(code).toMatch(/^\d{6}$/);
    }).toPass({ timeout: 10_000 });
    return code;
  } finally {
    await outbox.close();
  }
}

/** Resolves once the wasm has taken over the page, including the form's lazily loaded code. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 20_000 });
  if ((await page.locator('.app-apply').count()) > 0) {
    await expect(page.locator('.app-apply[data-hydrated="true"]')).toBeAttached({ timeout: 20_000 });
  }
}

/** Logs in with a new number and accepts the agreements: ends on the first form step. */
export async function startApplication(page: Page, mobile = freshMobile()) {
  await page.goto('/p/soetp/login');
  await page.getByLabel('手机号码').fill(mobile);
  await page.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(page.getByText(/验证码已发送/)).toBeVisible();
  await page.getByLabel('短信验证码').fill(await readCode(page, mobile));
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/p\/soetp\/consent$/);
  for (const name of ['电子认证服务协议', '个人信息授权书', '敏感个人信息处理单独同意书']) {
    await page.getByLabel(`我已阅读并同意《${name}》`).check();
  }
  await page.getByRole('button', { name: '同意并继续' }).click();
  await expect(page).toHaveURL(/\/p\/soetp\/apply\/choose$/);
  await hydrated(page);
  return mobile;
}

/** Synthetic identifiers with correct check characters (never real people or companies). */
export const valid = {
  legalId: '140105198001011233',
  agentId: '140105198506152349',
  holderIds: ['110105199003073453', '11010519491231002X'],
  creditCode: '91350100M000100Y43',
  mobile: '13812345678',
  agentMobile: '13987654321',
};

/** A full-page screenshot under end2end/output/screenshots, to look at after a run. */
export async function snap(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({
    path: join(__dirname, '..', 'output', 'screenshots', `${name}-${testInfo.project.name}.png`),
    fullPage: true,
  });
}
