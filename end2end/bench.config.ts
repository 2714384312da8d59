import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// Benchmarks: the same server and browser as the suite, one worker so nothing competes.
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: /.*\.bench\.ts$/,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  projects: base.projects?.filter((p) => p.name === 'desktop'),
});
