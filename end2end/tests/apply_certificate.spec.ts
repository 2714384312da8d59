import { expect, test } from '@playwright/test';
import { checkAccessibility } from './helpers';
import { hydrated, snap, startApplication, valid } from './flow';

test('a new applicant completes the form, reloads midway, and submits exactly once', async ({ page }, testInfo) => {
  // The whole flow with three reloads and axe on four pages: over the default 30 s when the
  // phone-handoff tests' extra browsers share the two cores.
  test.setTimeout(60_000);
  await startApplication(page);
  await checkAccessibility(page);

  // 选择证书: the org cert plus two org-personal certs.
  await expect(page.getByTestId('quote-total')).toHaveText('480.00 元');
  const add = page.getByRole('button', { name: '添加机构个人证书' });
  await add.click();
  await add.click();
  await page.locator('#holders-0-name').fill('王小明');
  await page.locator('#holders-0-id-number').fill(valid.holderIds[0]);
  await page.locator('#holders-1-name').fill('李华');
  // Typed the way people do: spaces and a lower-case x.
  await page.locator('#holders-1-id-number').fill(' 110105 19491231 002x ');
  // Each holder's own mobile, checked as typed.
  await page.locator('#holders-0-mobile').fill('1361234567');
  await page.locator('#holders-0-mobile').blur();
  await expect(page.locator('#holders-0-mobile-error')).toContainText('请输入11位手机号码');
  await page.locator('#holders-0-mobile').fill(valid.holderMobile);
  await expect(page.locator('#holders-0-mobile-error')).toHaveCount(0);
  await page.locator('#holders-1-mobile').fill('136 0000 1111');
  await expect(page.getByTestId('quote-total')).toHaveText('1,120.00 元');
  await expect(page.getByText(/已保存 \d\d:\d\d/)).toBeVisible();
  await snap(page, testInfo, 'apply-choose');
  await page.getByRole('button', { name: '下一步：填写申请信息' }).click();
  await expect(page).toHaveURL(/\/apply\/details$/);
  await hydrated(page);

  // 填写申请信息
  await page.getByLabel('机构名称').fill('山西示例科技有限公司');
  await page.getByLabel('机构证件号码').fill(valid.creditCode);
  await page.locator('#org-province').selectOption({ label: '山西省' });
  await page.locator('#org-city').selectOption({ label: '太原市' });
  await page.getByLabel('单位地址').fill('太原市小店区示例路1号');
  await page.getByLabel('法人姓名').fill('赵大同');
  await page.locator('#legal-id-number').fill(valid.legalId);
  await page.locator('#legal-mobile').fill(valid.mobile);
  await page.getByLabel('单位经办人姓名').fill('钱经办');

  // Reload midway: everything typed so far is back.
  await expect(page.getByText(/已保存 \d\d:\d\d/)).toBeVisible();
  await page.waitForTimeout(1200);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel('机构名称')).toHaveValue('山西示例科技有限公司');
  await expect(page.getByLabel('单位经办人姓名')).toHaveValue('钱经办');
  await expect(page.locator('#org-city')).toHaveValue('140100');

  await page.locator('#agent-id-number').fill(valid.agentId);
  await page.locator('#agent-mobile').fill(valid.agentMobile);
  await page.getByLabel('常用联系邮箱').fill('invoice@example.com');
  await page.getByLabel('职务').fill('行政经理');
  await page.getByLabel('基本户名称').fill('山西示例科技有限公司');
  await page.getByLabel('基本户开户行').fill('中国工商银行太原迎泽支行');
  await page.getByLabel('基本户账号').fill('0502 1234 5678 9012 345');
  await page.locator('#ship-province').selectOption({ label: '山西省' });
  await page.locator('#ship-city').selectOption({ label: '太原市' });
  await page.locator('#ship-district').selectOption({ label: '小店区' });
  await page.getByLabel('收件地址').fill('示例路1号示例大厦5层');
  await page.getByLabel('邮政编码（选填）').fill('030006');
  await checkAccessibility(page);
  await snap(page, testInfo, 'apply-details');
  await page.getByRole('button', { name: '下一步：核对信息' }).click();
  await expect(page).toHaveURL(/\/apply\/review$/);

  // 核对并提交
  await expect(page.getByText('11010519491231002X')).toBeVisible();
  await expect(page.getByTestId('quote-total')).toHaveText('1,120.00 元');
  await checkAccessibility(page);
  await snap(page, testInfo, 'apply-review');
  await page.getByRole('button', { name: '提交申请' }).dblclick();
  await expect(page).toHaveURL(/\/p\/soetp\/submitted\/[A-Z0-9-]+$/);
  const number = await page.getByTestId('application-number').innerText();
  await snap(page, testInfo, 'apply-submitted');
  await checkAccessibility(page);

  // The draft is spent: going back to the form shows the same application.
  await page.goto('/p/soetp/apply/review');
  await expect(page.getByTestId('application-number')).toHaveText(number);
});
