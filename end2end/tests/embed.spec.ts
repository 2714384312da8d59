import { expect, test, type Frame, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import { freshMobile, hydrated, logIn, snap, submitApplication } from './flow';
import { collectErrors } from './helpers';

// The portal pages live on other sites (localhost rather than 127.0.0.1) and run once.
test.beforeEach(({}, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'runs in the desktop project');
});
test.setTimeout(90_000);

/** A trading-platform page embedding the flow as the README's snippet does, recording messages. */
function portalPage(app: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>示例交易平台</title></head>
<body>
<h1>示例交易平台 · 数字证书办理</h1>
<iframe id="cert-portal" title="数字证书网上办理" src="${app}/embed/soetp"
  allow="camera" style="width: 100%; height: 600px; border: 0"></iframe>
<script>
  window.received = [];
  const frame = document.getElementById('cert-portal');
  window.addEventListener('message', (event) => {
    if (event.origin !== '${app}' || event.source !== frame.contentWindow) return;
    window.received.push(event.data);
    if (event.data.type === 'cert-portal:height') frame.style.height = event.data.height + 'px';
  });
</script>
</body></html>`;
}

/** Serves the portal page on `port` until closed. */
async function servePortal(port: number, app: string): Promise<Server> {
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(portalPage(app));
  });
  await new Promise<void>((resolve) => server.listen(port, 'localhost', resolve));
  return server;
}

async function received(page: Page): Promise<{ type: string; [key: string]: unknown }[]> {
  return page.evaluate(() => (window as unknown as { received: { type: string }[] }).received);
}

/** The embedded flow's frame once its page has loaded. */
async function flowFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().includes('/embed/soetp'))).toBe(true);
  return page.frames().find((f) => f.url().includes('/embed/soetp'))!;
}

test('a listed portal embeds the flow: a new applicant submits inside the iframe and the portal hears of it', async ({ page, baseURL }, testInfo) => {
  const errors = collectErrors(page);
  const port = Number(new URL(baseURL!).port) + 1;
  const portal = await servePortal(port, baseURL!);
  try {
    await page.goto(`http://localhost:${port}/`);
    const frame = await flowFrame(page);
    await hydrated(frame);
    // No site header or footer inside the portal.
    await expect(frame.locator('.app-header')).toHaveCount(0);
    await expect(frame.locator('.app-footer')).toHaveCount(0);
    await expect.poll(async () => (await received(page)).map((m) => m.type)).toContain('cert-portal:ready');
    // The portal sized the frame to the content.
    await expect.poll(async () => (await received(page)).some((m) => m.type === 'cert-portal:height')).toBe(true);
    await snap(page, testInfo, 'embedded-guide');

    const heights = async () =>
      (await received(page)).filter((m) => m.type === 'cert-portal:height').map((m) => m.height as number);
    const guideHeight = (await heights()).at(-1)!;
    await frame.getByRole('link', { name: '开始在线办理' }).click();
    await expect.poll(() => frame.url()).toMatch(/\/embed\/soetp\/login$/);
    // The login page is shorter than the guide: the frame shrinks with it.
    await expect.poll(async () => (await heights()).at(-1)!).toBeLessThan(guideHeight);
    await logIn(frame, freshMobile());
    const number = await submitApplication(frame);

    const messages = await received(page);
    const steps = messages.filter((m) => m.type === 'cert-portal:step').map((m) => m.step);
    for (const step of ['login', 'consent', 'choose', 'details', 'review', 'submitted']) {
      expect(steps).toContain(step);
    }
    await expect
      .poll(async () => (await received(page)).find((m) => m.type === 'cert-portal:submitted'))
      .toEqual({ type: 'cert-portal:submitted', number });
    // Its links stay inside the embedded flow.
    await expect(frame.getByRole('link', { name: '打印并上传资料' })).toHaveAttribute(
      'href',
      `/embed/soetp/applications/${number}/materials`,
    );

    // 在新窗口中继续: the same step in a top-level window, signed in by a one-time ticket.
    const opened = page.context().waitForEvent('page');
    await frame.getByRole('link', { name: '在新窗口中继续' }).click();
    const window = await opened;
    await expect(window).toHaveURL(new RegExp(`/p/soetp/submitted/${number}$`));
    await expect(window.getByTestId('application-number')).toHaveText(number);
  } finally {
    portal.close();
  }
  expect(errors).toEqual([]);
});

test('an unlisted portal cannot frame the flow, and no other page can be framed at all', async ({ page, baseURL }) => {
  const port = Number(new URL(baseURL!).port) + 2;
  const portal = await servePortal(port, baseURL!);
  try {
    await page.goto(`http://localhost:${port}/`);
    // The browser refuses to render the page in the frame: Chromium puts its error page there.
    await expect.poll(() => page.frames().map((f) => f.url())).toContain('chrome-error://chromewebdata/');
    await expect(page.frameLocator('#cert-portal').getByRole('link', { name: '开始在线办理' })).toHaveCount(0);
    expect(await received(page)).toEqual([]);
  } finally {
    portal.close();
  }
  const embed = await page.request.get('/embed/soetp');
  const listed = `http://localhost:${Number(new URL(baseURL!).port) + 1}`;
  const ancestors = /frame-ancestors ([^;]+)/.exec(embed.headers()['content-security-policy'])?.[1].split(' ');
  expect(ancestors?.sort()).toEqual([listed, 'https://www.soetp.com'].sort());
  expect(embed.headers()['x-frame-options']).toBeUndefined();
  const site = await page.request.get('/p/soetp');
  expect(site.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(site.headers()['x-frame-options']).toBe('DENY');
});

test('a forged cross-site post to a server function is refused', async ({ page }) => {
  const response = await page.request.post('/api/login', {
    headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    form: { project: 'soetp', mobile: '13900000000' },
  });
  expect(response.status()).toBe(403);
  expect((await response.json()).code).toBe('cross_site');
});
