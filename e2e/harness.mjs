// The harness of the browser journeys: one Chromium, a page per actor, and the checks
// every page gets — no console error (CSP violations included), no unexpected 4xx/5xx
// response, and at 375 px nothing wider than the screen. Screenshots at 1280 and 375 px
// go to $OUT. The captcha answer and SMS codes are read from the database the run
// created (the product has no switch that weakens them).
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

export const BASE = process.env.BASE ?? "http://127.0.0.1:8080";
const DB = process.env.DB;
const OUT = process.env.OUT ?? "target/e2e";
mkdirSync(OUT, { recursive: true });

export const failures = [];
let browser;

export async function start() {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export async function stop() {
  await browser?.close();
}

export function sql(query) {
  return execFileSync("sqlite3", [DB, query]).toString().trim();
}

/// The latest SMS code sent to a mobile.
export function smsCode(mobile) {
  const body = sql(`SELECT body FROM outbox WHERE recipient = '${mobile}' ORDER BY id DESC LIMIT 1`);
  const m = body.match(/\d{6}/);
  if (!m) throw new Error(`no SMS code for ${mobile}: ${body}`);
  return m[0];
}

/// A resident ID number (GB 11643) from its first 17 digits.
export function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

/// An actor with its own browser context (cookies) and page.
export async function actor(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  const page = await context.newPage();
  const a = { name, context, page, allowed: new Set(), shots: 0, dialogs: [] };
  // Confirmations are read (journeys check what they say) and accepted.
  page.on("dialog", (d) => {
    a.dialogs.push(d.message());
    d.accept();
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Chromium reports an expected refusal (see `expecting`) as a failed resource too.
    const expected = [...a.allowed].some((st) => m.text().includes(`status of ${st} `));
    if (!expected) failures.push(`${name}: console error on ${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => failures.push(`${name}: script error on ${page.url()}: ${e.message}`));
  page.on("response", (r) => {
    const s = r.status();
    if (s >= 400 && !a.allowed.has(s)) failures.push(`${name}: ${s} from ${r.request().method()} ${r.url()}`);
  });
  return a;
}

/// Runs `action` expecting the answer `status` (a refused form, say) instead of a 2xx/3xx.
export async function expecting(a, status, action) {
  a.allowed.add(status);
  try {
    await action();
    await a.page.waitForLoadState("load");
  } finally {
    a.allowed.delete(status);
  }
}

/// Checks the page at 375 px and saves it at 1280 and 375 px.
export async function look(a, label) {
  const { page } = a;
  await page.waitForLoadState("load");
  const file = `${OUT}/${a.name}-${String(++a.shots).padStart(2, "0")}-${label}`;
  await page.screenshot({ path: `${file}-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  const wide = await page.evaluate(() => {
    const w = document.documentElement.scrollWidth;
    if (w <= window.innerWidth) return null;
    const culprits = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className ? "." + e.className : ""} "${(e.textContent || "").trim().slice(0, 20)}"`);
    return `${w}px: ${culprits.join(", ")}`;
  });
  if (wide) failures.push(`${a.name}: ${page.url()} is wider than 375 px (${wide})`);
  const cramped = await page.evaluate(() =>
    [...document.querySelectorAll("main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), main select, main textarea")]
      .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().width < 80)
      .map((e) => `${e.name || e.id} ${Math.round(e.getBoundingClientRect().width)}px`),
  );
  if (cramped.length) failures.push(`${a.name}: ${page.url()} has fields too narrow to type in at 375 px: ${cramped.join(", ")}`);
  await page.screenshot({ path: `${file}-375.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

export async function go(a, path, label) {
  await a.page.goto(BASE + path);
  if (label) await look(a, label);
}

/// Fills the captcha of the current page from the database.
export async function captcha(a) {
  const id = await a.page.locator("input[name=captcha_id]").inputValue();
  await a.page.fill("#captcha", sql(`SELECT answer FROM captchas WHERE id = '${id}'`));
}

export async function signIn(a, role, login, password) {
  await go(a, `/login/${role}`);
  await a.page.fill("#login", login);
  await a.page.fill("#password", password);
  await captcha(a);
  await Promise.all([a.page.waitForNavigation(), a.page.click("button[type=submit]")]);
}

export async function signOut(a) {
  await Promise.all([a.page.waitForNavigation(), a.page.click("header form[action='/logout'] button")]);
}

/// Clicks the 获取验证码 button of the form holding `field` and returns the code sent.
export async function requestCode(a, buttonSelector, mobile) {
  await a.page.click(buttonSelector);
  await a.page.waitForFunction((sel) => document.querySelector(sel)?.disabled, buttonSelector);
  await a.page.waitForTimeout(300);
  return smsCode(mobile);
}

export function expect(cond, message) {
  if (!cond) throw new Error(message);
}

export async function text(a) {
  return a.page.locator("main").innerText();
}

/// Clicks and waits for the page it leads to.
export async function submit(a, selector) {
  await Promise.all([a.page.waitForNavigation(), a.page.click(selector)]);
}

export function path(a) {
  return new URL(a.page.url()).pathname;
}

export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
