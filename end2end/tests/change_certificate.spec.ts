import { expect, test } from '@playwright/test';
import { hydrated, issuedOrder, openBusiness, orderToMaterials, org, snap, withoutScript } from './flow';
import { checkAccessibility, checkAccessibilityWithoutScript, collectErrors, runSql } from './helpers';
import { addReviewer, consoleDetail, letterText, signInReviewer } from './review';

// 信息变更 from 我的证书: the details as they stand, a wrong value said at its field as the
// applicant leaves it, the order with the new name, the reviewer seeing old and new side by
// side, and the certificate issued again with the new name and the old term. The scans, the
// phone step and payment are the replacement's and the new application's (their specs); here
// the order is moved past them in the database.
test.setTimeout(180_000);

const NEW_NAME = '山西示例新名称科技有限公司';

test('a new organisation name is checked, reviewed side by side and issued with the old term', async ({ page, browser }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the whole journey runs in the desktop project');
  const errors = collectErrors(page);
  addReviewer();
  const { serial } = await issuedOrder(page);
  // The holder's certificate from the same application names the organisation too.
  const holderSerial = `${serial.slice(0, 14)}${serial.slice(14) === 'ABCDEF' ? 'FEDCBA' : 'ABCDEF'}`;
  runSql(
    `INSERT INTO certificates (application_id, position, user_id, project_id, kind, serial, medium,
       valid_from, valid_to, status, issued_at, updated_at)
     SELECT application_id, 1, user_id, project_id, 'org_personal', '${holderSerial}', 'LKH${serial.slice(0, 8)}',
       valid_from, valid_to, 'valid', issued_at, updated_at
     FROM certificates WHERE serial = '${serial}'`,
  );

  const validity = await openBusiness(page, serial, '办理信息变更', '信息变更');
  // Each certificate is changed on its own: the page points to the other one.
  const siblings = page.getByTestId('change-siblings');
  await expect(siblings).toContainText(`机构个人证书 · ${org.holder}（序列号尾号 ${holderSerial.slice(-6)}）`);
  await expect(siblings.getByRole('link', { name: '办理信息变更' })).toHaveAttribute(
    'href',
    /\/p\/soetp\/certificates\/\d+\/change$/,
  );
  const oldName = org.name;
  await expect(page.getByLabel('机构名称')).toHaveValue(oldName);
  await expect(page.getByTestId('quote-total')).toHaveText('150.00 元');

  // Checked as typed: a wrong credit code is said at its field on leaving it.
  const code = page.getByLabel('统一社会信用代码');
  const rightCode = await code.inputValue();
  await code.fill('91140105MA0K3L7P0X');
  await code.blur();
  await expect(code).toHaveAccessibleDescription(/校验码|不正确|有误/);
  await code.fill(rightCode);
  await code.blur();
  await expect(code).not.toHaveAccessibleDescription(/校验码|不正确|有误/);
  await page.getByLabel('机构名称').fill(NEW_NAME);
  await checkAccessibility(page);
  await snap(page, testInfo, 'change');
  const number = await orderToMaterials(page, '提交变更申请，去上传资料');

  // The authorization letter asks for the change, in the new name.
  const text = await letterText(page);
  expect(text).toContain('申请变更下列数字证书的信息');
  expect(text).toContain(NEW_NAME);
  // … and says what changes, old beside new.
  expect(text).toContain(`变更事项变更前变更后单位信息机构名称${oldName}${NEW_NAME}`);

  // Past the scans, the phone step and a confirmed transfer (covered by their own specs).
  runSql(`UPDATE applications SET status = 'awaiting_review', payment_method = 'bank_transfer' WHERE number = '${number}'`);

  const { context: reviewerContext, console } = await signInReviewer(browser);
  await consoleDetail(console, number);
  const changes = console.locator('#changes');
  await expect(changes.getByRole('row', { name: new RegExp(`机构名称\\s*${oldName}\\s*${NEW_NAME}`) })).toBeVisible();
  await expect(console.locator('#lined')).toContainText(serial);
  await console.getByRole('button', { name: '审核通过' }).click();
  await expect(console.getByText('成功受理').first()).toBeVisible();
  await console.getByRole('button', { name: '签发证书并开始制证' }).click();
  await expect(console.locator('#lined')).toContainText('已吊销');
  await reviewerContext.close();

  await page.goto('/p/soetp/me');
  await hydrated(page);
  await expect(page.locator('.app-cert', { hasText: serial })).toContainText('已吊销');
  const renamed = page.locator('.app-cert', { hasText: number });
  await expect(renamed.locator('.app-cert__subject')).toHaveText(NEW_NAME);
  await expect(renamed.locator('dt:text("有效期") + dd')).toHaveText(validity);
  await snap(page, testInfo, 'changed');
  expect(errors).toEqual([]);
});

test('without JavaScript a wrong value comes back at its field with what was typed', async ({ page, browser }, testInfo) => {
  const { serial } = await issuedOrder(page);
  const context = await withoutScript(page, browser);
  const plain = await context.newPage();
  await plain.goto('/p/soetp/me');
  await plain.locator('.app-cert', { hasText: serial }).getByRole('link', { name: '办理信息变更' }).click();
  await plain.getByLabel('机构名称').fill(NEW_NAME);
  await plain.getByLabel('移动电话').fill('1381234');
  await plain.getByRole('button', { name: '提交变更申请，去上传资料' }).click();
  await expect(plain.getByLabel('移动电话')).toHaveAccessibleDescription(/手机号/);
  await expect(plain.getByLabel('机构名称')).toHaveValue(NEW_NAME);
  await expect(plain.getByLabel('移动电话')).toHaveValue('1381234');
  await checkAccessibilityWithoutScript(plain);
  await snap(plain, testInfo, 'change-no-js');
  await context.close();
});
