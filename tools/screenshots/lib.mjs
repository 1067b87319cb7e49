// Shared by the screenshot scripts: a headless Debian Chromium, one
// browser context per person, and the development provider's sign-in form.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

export const base = process.argv[2] ?? "http://127.0.0.1:8080";
export const out = process.argv[3] ?? "screenshots";
mkdirSync(out, { recursive: true });

export const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

export async function session() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("dialog", (d) => d.accept());
  const shot = async (file) => {
    await page.screenshot({ path: `${out}/${file}.png`, fullPage: true });
    console.log(`${out}/${file}.png  ${page.url()}`);
  };
  return { page, shot };
}

export async function signIn(page, email, name) {
  await page.fill("#email", email);
  await page.fill("#name", name);
  await page.click("button:has-text('Continue')");
}

// Saves the page at 1280 px and at a 390 px phone width (`${name}-phone`).
export async function desktopAndPhone(page, shot, name) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(name);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(`${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}
