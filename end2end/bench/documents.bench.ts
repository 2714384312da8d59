import { test, type Page } from '@playwright/test';
import { hydrated, startApplication, submitApplication } from '../tests/flow';

/**
 * Clicks 生成 PDF for `slug` and measures, inside the page, the time until the download link
 * appears: data, generator module and font fetched (unless cached), PDF rendered.
 */
async function renderTime(page: Page, slug: string): Promise<{ ms: number; kib: number }> {
  return page.evaluate(async (slug) => {
    const item = document.querySelector(`[data-document="${slug}"]`)!;
    const started = performance.now();
    const link = await new Promise<HTMLAnchorElement>((resolve) => {
      const found = () => item.querySelector<HTMLAnchorElement>('[data-testid="download-pdf"]');
      const observer = new MutationObserver(() => {
        const a = found();
        if (a) {
          observer.disconnect();
          resolve(a);
        }
      });
      observer.observe(item, { childList: true, subtree: true });
      // A fresh click: remove the previous result first.
      item.querySelector<HTMLAnchorElement>('a.app-button')!.click();
    });
    const ms = performance.now() - started;
    // The page states the size it made (the CSP keeps fetch() away from blob: URLs).
    const kib = Number(/（(\d+) KB）/.exec(link.parentElement!.textContent ?? '')?.[1]);
    return { ms, kib };
  }, slug);
}

test('PDF generation in the browser', async ({ page }) => {
  test.setTimeout(120_000);
  await startApplication(page);
  const number = await submitApplication(page);
  await page.goto(`/p/soetp/applications/${number}/materials`);
  await hydrated(page);
  // New tabs the page opens for each PDF are closed at once.
  page.context().on('page', (popup) => popup.close());

  const rows: string[] = [];
  const measure = async (label: string, slug: string) => {
    const { ms, kib } = await renderTime(page, slug);
    rows.push(`${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   PDF ${kib} KB`);
  };
  await measure('授权委托书, first click (module + font + data)', 'authorization-letter');
  await page.reload();
  await hydrated(page);
  await measure('授权委托书, after a reload (HTTP cache warm)', 'authorization-letter');
  await measure('数字证书申请表 (module loaded, new font)', 'application-form');
  await measure('印章采集表', 'seal-sheet');
  await measure('授权委托书 again (all cached)', 'authorization-letter');
  console.log(`\nDocument generation in Chromium (this machine):\n${rows.join('\n')}\n`);
});
