import { expect, type Browser, type BrowserContext, type Frame, type Page, type TestInfo } from '@playwright/test';

/** A whole page, or the embedded flow's iframe on a portal's page. */
export type Surface = Page | Frame;

/** Waits until `target` shows a URL matching `pattern` (works for pages and frames). */
async function at(target: Surface, pattern: RegExp) {
  await expect.poll(() => target.url()).toMatch(pattern);
}
import { join } from 'node:path';
import { runSql } from './helpers';

/** A mobile number no other test uses, so rate limits and drafts never collide. */
export function freshMobile(): string {
  return `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

/** Reads the newest login code texted to `mobile` from the local provider's outbox. */
export async function readCode(target: Surface, mobile: string): Promise<string> {
  const context = 'context' in target ? target.context() : target.page().context();
  const outbox = await context.newPage();
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

/**
 * Waits for the newest text to `mobile` that contains `hasText` and returns `pattern`'s first
 * group in it (a code, a serial).
 */
export async function textedTo(page: Page, mobile: string, hasText: string, pattern: RegExp): Promise<string> {
  const outbox = await page.context().newPage();
  try {
    let found = '';
    await expect(async () => {
      await outbox.goto('/dev/outbox');
      const text = await outbox
        .locator(`tr[data-to="${mobile}"] .app-outbox__text`, { hasText })
        .first()
        .innerText();
      found = pattern.exec(text)?.[1] ?? '';
      expect(found).not.toBe('');
    }).toPass({ timeout: 10_000 });
    return found;
  } finally {
    await outbox.close();
  }
}

/** A mobile number as the pages show it: 139****4321. */
export function maskedMobile(mobile: string): string {
  return `${mobile.slice(0, 3)}****${mobile.slice(7)}`;
}

/** An application whose org certificate is recorded as issued today. */
export interface Issued {
  number: string;
  serial: string;
  /** The agent's mobile, the order's own: codes and notices for it go there. */
  agent: string;
}

/**
 * Submits an application with an agent mobile of its own and records its org certificate as
 * issued today, as the CA's console would.
 */
export async function issuedOrder(page: Page): Promise<Issued> {
  await startApplication(page);
  const agent = freshMobile();
  const number = await submitApplication(page, agent);
  const serial = Array.from({ length: 20 }, () => '0123456789ABCDEF'[Math.floor(Math.random() * 16)]).join('');
  const day = 86_400;
  const today = Math.floor((Date.now() / 1000 + 8 * 3600) / day) * day - 8 * 3600;
  runSql(
    `INSERT INTO certificates (application_id, position, user_id, project_id, kind, serial, medium,
       valid_from, valid_to, status, issued_at, updated_at)
     SELECT id, 0, user_id, project_id, 'org', '${serial}', 'LK${serial.slice(0, 8)}', ${today},
       ${today + 364 * day}, 'valid', ${today}, ${today}
     FROM applications WHERE number = '${number}'`,
  );
  return { number, serial, agent };
}

/**
 * From 我的证书, the business page `link` of the certificate `serial`, hydrated with its
 * `heading`. Returns the certificate's validity as 我的证书 shows it.
 */
export async function openBusiness(page: Page, serial: string, link: string, heading: string): Promise<string> {
  await page.goto('/p/soetp/me');
  await hydrated(page);
  const card = page.locator('.app-cert', { hasText: serial });
  const validity = (await card.locator('dt:text("有效期") + dd').innerText()).trim();
  await card.getByRole('link', { name: link }).click();
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
  await hydrated(page);
  return validity;
}

/** Submits a business page with `button` and lands on the new order's materials page: its number. */
export async function orderToMaterials(page: Page, button: string): Promise<string> {
  await page.getByRole('button', { name: button }).click();
  await expect(page).toHaveURL(/\/applications\/SQ\d+\/materials$/);
  const number = /(SQ\d+)/.exec(page.url())![1];
  await hydrated(page);
  return number;
}

/** A second context of the same applicant, screen size and session, with JavaScript off. */
export async function withoutScript(page: Page, browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    javaScriptEnabled: false,
    viewport: page.viewportSize(),
    storageState: await page.context().storageState(),
  });
}

/** Resolves once the wasm has taken over the page, including the form's lazily loaded code. */
export async function hydrated(page: Surface) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 20_000 });
  // The form and the materials page are lazy chunks that hydrate after the rest.
  for (const root of ['.app-apply', '.app-materials-page', '.app-identity-page']) {
    if ((await page.locator(root).count()) > 0) {
      await expect(page.locator(`${root}[data-hydrated="true"]`)).toBeAttached({ timeout: 20_000 });
    }
  }
}

/**
 * Logs in with a new number on `project` (soetp unless named) and accepts the agreements:
 * ends on the first form step.
 */
export async function startApplication(page: Page, mobile = freshMobile(), project = 'soetp') {
  await page.goto(`/p/${project}/login`);
  await logIn(page, mobile, project);
  return mobile;
}

/** On the login page (site or embedded): logs in with `mobile`, accepts the agreements. */
export async function logIn(page: Surface, mobile: string, project = 'soetp') {
  await page.getByLabel('手机号码').fill(mobile);
  await page.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(page.getByText(/验证码已发送/)).toBeVisible();
  await page.getByLabel('短信验证码').fill(await readCode(page, mobile));
  await page.getByRole('button', { name: '登录' }).click();
  await at(page, new RegExp(`/(p|embed)/${project}/consent$`));
  for (const name of ['电子认证服务协议', '个人信息授权书', '敏感个人信息处理单独同意书']) {
    await page.getByLabel(`我已阅读并同意《${name}》`).check();
  }
  await page.getByRole('button', { name: '同意并继续' }).click();
  await at(page, new RegExp(`/(p|embed)/${project}/apply/choose$`));
  await hydrated(page);
}

/** Synthetic identifiers with correct check characters (never real people or companies). */
export const valid = {
  legalId: '140105198001011233',
  agentId: '140105198506152349',
  holderIds: ['110105199003073453', '11010519491231002X'],
  creditCode: '91350100M000100Y43',
  mobile: '13812345678',
  agentMobile: '13987654321',
  holderMobile: '13612345678',
};

/** A full-page screenshot under end2end/output/screenshots, to look at after a run. */
export async function snap(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({
    path: join(__dirname, '..', 'output', 'screenshots', `${name}-${testInfo.project.name}.png`),
    fullPage: true,
  });
}

/** The organisation every submitted test application names. */
export const org = {
  name: '山西示例科技有限公司',
  holder: '王喆',
  agent: '钱经办',
};

/**
 * From the first form step to a submitted application: the org certificate and one
 * org-personal certificate (holder name outside GB2312). Returns the application number.
 */
export async function submitApplication(page: Surface, agentMobile = valid.agentMobile): Promise<string> {
  await page.getByRole('button', { name: '添加机构个人证书' }).click();
  await page.locator('#holders-0-name').fill(org.holder);
  await page.locator('#holders-0-id-number').fill(valid.holderIds[0]);
  await page.locator('#holders-0-mobile').fill(valid.holderMobile);
  await expect(page.getByTestId('quote-total')).toHaveText('800.00 元');
  await page.getByRole('button', { name: '下一步：填写申请信息' }).click();
  await at(page, /\/apply\/details$/);
  await hydrated(page);
  await page.getByLabel('机构名称').fill(org.name);
  await page.getByLabel('机构证件号码').fill(valid.creditCode);
  await page.locator('#org-province').selectOption({ label: '山西省' });
  await page.locator('#org-city').selectOption({ label: '太原市' });
  await page.getByLabel('单位地址').fill('太原市小店区示例路1号');
  await page.getByLabel('法人姓名').fill('赵大同');
  await page.locator('#legal-id-number').fill(valid.legalId);
  await page.locator('#legal-mobile').fill(valid.mobile);
  await page.getByLabel('单位经办人姓名').fill(org.agent);
  await page.locator('#agent-id-number').fill(valid.agentId);
  await page.locator('#agent-mobile').fill(agentMobile);
  await page.getByLabel('常用联系邮箱').fill('invoice@example.com');
  await page.getByLabel('职务').fill('行政经理');
  await page.getByLabel('基本户名称').fill(org.name);
  await page.getByLabel('基本户开户行').fill('中国工商银行太原迎泽支行');
  await page.getByLabel('基本户账号').fill('050212345678901234');
  await page.locator('#ship-province').selectOption({ label: '山西省' });
  await page.locator('#ship-city').selectOption({ label: '太原市' });
  await page.locator('#ship-district').selectOption({ label: '小店区' });
  await page.getByLabel('收件地址').fill('示例路1号示例大厦5层');
  await page.getByRole('button', { name: '下一步：核对信息' }).click();
  await at(page, /\/apply\/review$/);
  await page.getByRole('button', { name: '提交申请' }).click();
  await at(page, /\/(p|embed)\/soetp\/submitted\/[A-Z0-9-]+$/);
  return page.getByTestId('application-number').innerText();
}
