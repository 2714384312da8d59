import { expect, test } from '@playwright/test';
import { checkAccessibility } from './helpers';
import { freshMobile, hydrated, snap, startApplication } from './flow';

/** A private individual applying in their own name (synthetic: check digit computed). */
const person = {
  name: '刘洋',
  id: '430102198808081232',
  badId: '430102198808081230',
  mobile: '13712345678',
};

test('a natural-person application on hnsggzy completes with its own form variant', async ({ page }, testInfo) => {
  await startApplication(page, freshMobile(), 'hnsggzy');

  // 选择证书: 个人申请 puts the natural-person certificate in place of the organisation's.
  await expect(page.getByTestId('quote-total')).toHaveText('350.00 元');
  await page.getByLabel('个人申请').check();
  await expect(page.getByLabel('申请机构证书')).toBeHidden();
  await expect(page.getByTestId('quote-total')).toHaveText('250.00 元');
  // hnsggzy: 100 a year, 100 for the medium, 50 for the seal.
  await page.getByLabel('自然人证书年限').selectOption('3');
  await expect(page.getByTestId('quote-total')).toHaveText('450.00 元');
  await checkAccessibility(page);
  await page.getByRole('button', { name: '下一步：填写申请信息' }).click();
  await expect(page).toHaveURL(/\/p\/hnsggzy\/apply\/details$/);
  await hydrated(page);

  // 填写申请信息: the person's sections only.
  for (const name of ['申请人信息', '银行账户', '收件信息', '发票信息']) {
    await expect(page.getByRole('group', { name, exact: true })).toBeVisible();
  }
  for (const name of ['单位信息', '法人信息', '经办人信息', '金融认证信息', '邮寄信息']) {
    await expect(page.getByRole('group', { name, exact: true })).toHaveCount(0);
  }

  await page.getByLabel('姓名', { exact: true }).fill(person.name);
  const id = page.getByLabel('身份证号码');
  await id.fill(person.badId);
  await id.blur();
  await expect(id).toHaveAccessibleDescription(/身份证号码校验位不正确/);
  await id.fill(person.id);
  await expect(id).toHaveAccessibleDescription('');
  await page.getByLabel('手机号码').fill(person.mobile);
  await page.getByLabel('电子邮箱').fill('liu@example.com');
  await page.locator('#applicant-province').selectOption({ label: '湖南省' });
  await page.locator('#applicant-city').selectOption({ label: '长沙市' });
  await page.getByLabel('联系地址').fill('芙蓉区五一大道1号');

  // The account must be the applicant's own.
  const accountName = page.getByLabel('户名', { exact: true });
  await accountName.fill('刘阳');
  await accountName.blur();
  await expect(accountName).toHaveAccessibleDescription(/户名须与申请人姓名一致/);
  await accountName.fill(person.name);
  await expect(accountName).not.toHaveAccessibleDescription(/户名须与申请人姓名一致/);
  await page.getByLabel('开户银行').fill('中国建设银行长沙芙蓉支行');
  await page.getByLabel('银行账号').fill('6217 0028 7001 2345 678');

  await page.locator('#ship-province').selectOption({ label: '湖南省' });
  await page.locator('#ship-city').selectOption({ label: '长沙市' });
  await page.locator('#ship-district').selectOption({ label: '芙蓉区' });
  await page.getByLabel('收件地址').fill('芙蓉区五一大道1号');
  await expect(page.getByLabel('发票抬头')).toHaveAccessibleDescription('不填写时使用申请人姓名');
  await checkAccessibility(page);
  await snap(page, testInfo, 'natural-person-details');
  await page.getByRole('button', { name: '下一步：核对信息' }).click();
  await expect(page).toHaveURL(/\/p\/hnsggzy\/apply\/review$/);

  // 核对并提交: only the person's sections, the invoice titled with their name.
  await expect(page.getByRole('heading', { level: 2 })).toHaveText([
    '证书信息',
    '申请人信息',
    '银行账户',
    '收件信息',
    '发票信息',
    '费用明细',
  ]);
  await expect(page.getByText('3 年', { exact: true })).toBeVisible();
  await expect(page.getByText(person.id)).toBeVisible();
  await expect(page.getByText('6217002870012345678')).toBeVisible();
  await expect(page.getByTestId('quote-total')).toHaveText('450.00 元');
  await checkAccessibility(page);
  await snap(page, testInfo, 'natural-person-review');
  await page.getByRole('button', { name: '提交申请' }).click();
  await expect(page).toHaveURL(/\/p\/hnsggzy\/submitted\/[A-Z0-9-]+$/);
  await expect(page.getByRole('heading', { name: '申请已提交' })).toBeVisible();
  await expect(page.getByTestId('application-number')).toHaveText(/^SQ\d{12}$/);
});
