// A browser for the dashboard tests: Debian's Chromium (installed by scripts/ensure-chromium.sh when
// missing) driven by playwright-core, with --no-sandbox when running as root (Chromium refuses to
// start its sandbox as root).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the screenshots go (a CI artifact). */
export const ARTIFACTS_DIR = join(E2E_DIR, 'artifacts', 'dashboard');

/** The path of Chromium, installed first when missing (the script says what it does on stderr). */
export function ensureChromium(): string {
  return execFileSync(join(E2E_DIR, 'scripts', 'ensure-chromium.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 }).trim();
}

/** Chromium, headless. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = ensureChromium();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({ executablePath, headless: true, args: root ? ['--no-sandbox'] : [] });
}

/** Saves a full-page screenshot as `<name>.png` in the artifacts folder. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Whether the page scrolls horizontally (its content is wider than the viewport). */
export function scrollsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');
}

/**
 * A touch drag from (x0, y0) to (x1, y1) in CSS pixels, as a finger does it (CDP touch events): it
 * rests at the end before lifting. Lifted while still moving, the drag is a flick: Chromium starts a
 * fling, and the tap that stops a fling is swallowed (measured: 17 of 20 taps on a button right after
 * such a drag were lost; none with the rest), so the page's next tap did nothing.
 */
export async function touchDrag(page: Page, x0: number, y0: number, x1: number, y1: number, steps = 8): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y: y0 }] });
  for (let i = 1; i <= steps; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x0 + ((x1 - x0) * i) / steps, y: y0 + ((y1 - y0) * i) / steps }] });
  }
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x1, y: y1 }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}
