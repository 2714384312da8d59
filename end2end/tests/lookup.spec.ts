import { expect, test, type Page } from '@playwright/test';
import { hydrated, issuedOrder, maskedMobile, org, textedTo, valid } from './flow';
import { checkAccessibility, checkAccessibilityWithoutScript, collectErrors } from './helpers';

// 证书查询 / 订单查询 by a stranger (no account): a certificate serial or an application number,
// the code texted to the agent's mobile, the status with names masked; with and without
// JavaScript, at desktop width and at 360 px.

const masked = '山西****有限公司';

/** The newest lookup code texted to `agent`. */
function lookupCode(page: Page, agent: string): Promise<string> {
  return textedTo(page, agent, '您正在查询', /验证码是(\d{6})/);
}

test('a stranger looks a certificate and an order up with the texted code', async ({ page, browser }) => {
  const { number, serial, agent } = await issuedOrder(page);
  // A context of its own: no session of the applicant's, and what axe needs.
  const stranger = await (await browser.newContext()).newPage();
  const errors = collectErrors(stranger);

  await stranger.goto('/p/soetp');
  await stranger.getByRole('link', { name: '证书查询 / 订单查询' }).click();
  await expect(stranger).toHaveURL(/\/p\/soetp\/lookup$/);
  await hydrated(stranger);
  await checkAccessibility(stranger);

  // Unknown: said at the field, nothing texted.
  await stranger.getByLabel('证书序列号或申请编号').fill('SQ209912310001');
  await stranger.getByRole('button', { name: '获取验证码' }).click();
  await expect(stranger.locator('#lookup-query-error')).toContainText('没有找到这张证书或这份申请');
  await checkAccessibility(stranger);

  // The serial as people copy it: lower case, in groups.
  const typed = serial.toLowerCase().replace(/(.{4})/g, '$1 ');
  await stranger.getByLabel('证书序列号或申请编号').fill(typed);
  await stranger.getByRole('button', { name: '获取验证码' }).click();
  await expect(stranger.getByText(`验证码已发送至 ${maskedMobile(agent)}`)).toBeVisible();
  await checkAccessibility(stranger);
  await stranger.getByLabel('短信验证码').fill(await lookupCode(stranger, agent));
  await stranger.getByRole('button', { name: '查询' }).click();
  await expect(stranger.getByRole('heading', { name: '证书状态' })).toBeVisible();
  await expect(stranger.getByText('机构证书')).toBeVisible();
  await expect(stranger.getByText('有效', { exact: true })).toBeVisible();
  await expect(stranger.getByText(masked)).toBeVisible();
  await expect(stranger.getByText(serial)).toBeVisible();
  const shown = await stranger.locator('main').innerText();
  for (const secret of [org.name, org.agent, agent, valid.agentId]) {
    expect(shown).not.toContain(secret);
  }
  await checkAccessibility(stranger);

  // 重新查询, now by the application number.
  await stranger.getByRole('link', { name: '重新查询' }).click();
  await hydrated(stranger);
  await stranger.getByLabel('证书序列号或申请编号').fill(number.toLowerCase());
  await stranger.getByRole('button', { name: '获取验证码' }).click();
  await expect(stranger.getByText(`验证码已发送至 ${maskedMobile(agent)}`)).toBeVisible();
  await stranger.getByLabel('短信验证码').fill(await lookupCode(stranger, agent));
  await stranger.getByRole('button', { name: '查询' }).click();
  await expect(stranger.getByRole('heading', { name: '申请状态' })).toBeVisible();
  await expect(stranger.getByText('待上传资料')).toBeVisible();
  await expect(stranger.getByText('1 张')).toBeVisible();
  await checkAccessibility(stranger);
  expect(errors).toEqual([]);
});

test('the lookup works without JavaScript', async ({ page, browser }) => {
  const { number, agent } = await issuedOrder(page);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const plain = await context.newPage();
  await plain.goto('/p/soetp/lookup');
  await plain.getByLabel('证书序列号或申请编号').fill(number);
  await plain.getByRole('button', { name: '获取验证码' }).click();
  await expect(plain.getByText(`验证码已发送至 ${maskedMobile(agent)}`)).toBeVisible();
  // Read before posting: a page opened in the same session takes the one-time outcome of a
  // post whose answer has not loaded yet.
  const code = await lookupCode(plain, agent);
  await plain.getByLabel('短信验证码').fill(code === '000000' ? '111111' : '000000');
  await plain.getByRole('button', { name: '查询' }).click();
  await expect(plain.locator('#lookup-code-error')).toContainText('短信验证码不正确');
  await checkAccessibilityWithoutScript(plain);
  await plain.getByLabel('短信验证码').fill(code);
  await plain.getByRole('button', { name: '查询' }).click();
  await expect(plain.getByRole('heading', { name: '申请状态' })).toBeVisible();
  await expect(plain.getByText(masked).first()).toBeVisible();
  await context.close();
});
