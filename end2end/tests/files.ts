import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from '@playwright/test';

/**
 * An image drawn by the browser's own canvas encoder: a gradient, with `noise` (0–255) of
 * pseudo-random grain so PNGs stay large the way phone photos are.
 */
export async function canvasImage(
  page: Page,
  { width, height, type, quality = 0.9, noise = 0 }:
    { width: number; height: number; type: 'image/jpeg' | 'image/png'; quality?: number; noise?: number },
): Promise<Buffer> {
  const base64 = await page.evaluate(
    async ({ width, height, type, quality, noise }) => {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext('2d')!;
      const image = context.createImageData(width, height);
      let seed = 7;
      for (let i = 0; i < image.data.length; i += 4) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const grain = noise ? ((seed >> 16) % noise) - noise / 2 : 0;
        const x = (i / 4) % width;
        image.data[i] = (x * 255) / width + grain;
        image.data[i + 1] = 180 + grain;
        image.data[i + 2] = 120 - grain;
        image.data[i + 3] = 255;
      }
      context.putImageData(image, 0, 0);
      const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), type, quality));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return btoa(text);
    },
    { width, height, type, quality, noise },
  );
  return Buffer.from(base64, 'base64');
}

/** The first bytes of a Windows program, as a file renamed to look like a scan would start. */
export function windowsProgram(): Buffer {
  return Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(2048)]);
}

/** `pdf` encrypted by qpdf with a user password (AES-256). */
export function encrypt(pdf: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cp-pdf-'));
  writeFileSync(join(dir, 'in.pdf'), pdf);
  execFileSync('qpdf', ['--encrypt', 'user', 'owner', '256', '--', join(dir, 'in.pdf'), join(dir, 'out.pdf')]);
  return readFileSync(join(dir, 'out.pdf'));
}

/** The text poppler extracts from `pdf`. */
export function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'cp-pdf-'));
  writeFileSync(join(dir, 'doc.pdf'), pdf);
  return execFileSync('pdftotext', ['-layout', join(dir, 'doc.pdf'), '-'], { encoding: 'utf8' });
}

/** Renders the first page of `pdf` to `png` (for a person to look at after the run). */
export function pdfPage(pdf: Buffer, png: string) {
  const dir = mkdtempSync(join(tmpdir(), 'cp-pdf-'));
  writeFileSync(join(dir, 'doc.pdf'), pdf);
  mkdirSync(dirname(png), { recursive: true });
  execFileSync('pdftoppm', ['-r', '80', '-png', '-singlefile', '-f', '1', join(dir, 'doc.pdf'), png.replace(/\.png$/, '')]);
}

/** What the QR code on the first page of `pdf` says, read from a 150 dpi rendering. */
export function pdfQrCode(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'cp-pdf-'));
  writeFileSync(join(dir, 'doc.pdf'), pdf);
  execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', '-f', '1', join(dir, 'doc.pdf'), join(dir, 'page')]);
  return readQrCode(readFileSync(join(dir, 'page.png')));
}

/** What the QR code in a PNG image (a screenshot) says, read by zbarimg. */
export function readQrCode(png: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'cp-qr-'));
  writeFileSync(join(dir, 'image.png'), png);
  return execFileSync('zbarimg', ['--raw', '-q', join(dir, 'image.png')], { encoding: 'utf8' }).trim();
}

/** `jpeg` with a comment segment saying `text`, right after the start marker. */
export function withJpegComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, body, jpeg.subarray(2)]);
}
