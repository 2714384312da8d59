import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from '@playwright/test';

const W = 640;
const H = 480;

/**
 * A Y4M video for Chromium's fake camera (`--use-file-for-fake-video-capture`): an ID card
 * (light, with lines of "print") filling the phone page's guide on a darker table, so the
 * page's quality checks pass. `moving`: a dark square slides across it (the local liveness
 * check wants frames that differ); `still`: every frame is the same picture; `dark`: the
 * same card in a dim room, which the page's exposure check refuses.
 */
export function fakeCamera(scene: 'moving' | 'still' | 'dark'): string {
  const dir = join(__dirname, '..', 'output');
  const path = join(dir, `camera-${scene}.y4m`);
  const moving = scene === 'moving';
  const dim = scene === 'dark' ? 0.15 : 1;
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const frames = moving ? 30 : 1;
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F15:1 Ip A1:1 C420jpeg\n`, 'latin1');
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const parts: Buffer[] = [header];
  // The page's guide is 86 % of the width at the card's aspect ratio (phone/src/frame.rs).
  const cardW = Math.round(W * 0.86);
  const cardH = Math.round(cardW / (85.6 / 54));
  const x0 = Math.round((W - cardW) / 2);
  const y0 = Math.round((H - cardH) / 2);
  for (let f = 0; f < frames; f++) {
    const luma = Buffer.alloc(W * H, Math.round(80 * dim));
    for (let y = y0; y < y0 + cardH; y++) {
      for (let x = x0; x < x0 + cardW; x++) {
        const print = (y - y0) % 18 < 3 && (x - x0) % 50 < 38 && x - x0 > 20 && x - x0 < cardW - 150;
        const portrait = x - x0 > cardW - 130 && x - x0 < cardW - 20 && y - y0 > 40 && y - y0 < 190;
        luma[y * W + x] = Math.round((print ? 50 : portrait ? 120 : 225) * dim);
      }
    }
    if (moving) {
      const sx = 40 + ((f * 18) % (W - 180));
      for (let y = 180; y < 300; y++) for (let x = sx; x < sx + 100; x++) luma[y * W + x] = 20;
    }
    parts.push(Buffer.from('FRAME\n', 'latin1'), luma, chroma);
  }
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/** WeChat's in-app browser on an iPhone, as it announces itself. */
export const wechatIphone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI Language/zh_CN';

/**
 * A Chromium whose camera shows `video`. Its permission prompts say yes unless `deny`; then
 * they are left to Playwright, which refuses what a context was not granted.
 */
export async function phoneBrowser(video: string, deny = false): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      ...(deny ? [] : ['--use-fake-ui-for-media-stream']),
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
}

/** An iPhone-sized WeChat page context on `browser`. */
export async function phoneContext(
  browser: Browser,
  baseURL: string,
  javaScriptEnabled = true,
): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    // The narrowest phones in use: the page must read well at 360 px.
    viewport: { width: 360, height: 780 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: wechatIphone,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    javaScriptEnabled,
  });
}
