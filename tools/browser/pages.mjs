// Vitrina's pages in a real browser: Debian's chromium driven by
// Playwright, with axe-core checking accessibility on every page type.
//
// Serves the bundled demo datasets with the real binary (a throw-away copy
// of datasets/), then walks them as a citizen would: the catalog, a
// search in Cyrillic and in Latin transliteration, a facet, a dataset,
// the preview sorted, filtered and searched, the language switch, the
// CSV for Excel, a changes page and a record, and the catalog with the
// keyboard only. Fails on any console error, any serious or critical axe
// violation, a page wider than a 360 px screen, a layout shift, or a page
// heavier than 100 KB before data. Screenshots at 1280 and 360 px go to
// SCREENSHOTS (default: target/browser).
//
// Usage: node tools/browser/pages.mjs VITRINA_BINARY
//   CHROMIUM     the browser (default /usr/bin/chromium)
//   SCREENSHOTS  where the screenshots go

import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const binary = process.argv[2] || join(repo, "target/debug/vitrina");
const shots = resolve(process.env.SCREENSHOTS || join(repo, "target/browser"));
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const PAGE_BUDGET = 100 * 1024;

const failures = [];
const fail = (what) => {
  failures.push(what);
  console.log("  FAIL: " + what);
};
const check = (ok, what) => (ok ? console.log("  ok: " + what) : fail(what));

async function serve() {
  const work = mkdtempSync(join(tmpdir(), "vitrina-browser-"));
  cpSync(join(repo, "datasets"), join(work, "datasets"), { recursive: true });
  cpSync(join(repo, "vitrina.toml"), join(work, "vitrina.toml"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(binary, ["--config", join(work, "vitrina.toml"), "serve", "--listen", `127.0.0.1:${port}`, "--no-schedule"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr.on("data", (chunk) => { log += chunk; });
  const base = `http://127.0.0.1:${port}`;
  // Serve answers once the first runs have published every dataset (the
  // CI build bundles the Python and JavaScript plugins too).
  const expected = readdirSync(join(repo, "datasets")).length;
  for (let i = 0; i < 600; i++) {
    try {
      const answer = await (await fetch(`${base}/api/v1/datasets`)).json();
      if (answer.total === expected && answer.datasets.every((d) => d.version)) {
        return { base, server, work };
      }
    } catch (_) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  server.kill();
  throw new Error("vitrina serve did not publish the demo datasets:\n" + log);
}

/// Opens a page and checks what every page must be: no console errors,
/// no serious or critical axe violations, no wider than its screen, no
/// layout shift, light enough. Takes screenshots.
async function visit(page, url, name, state) {
  state.bytes = 0;
  await page.goto(url, { waitUntil: "networkidle" });
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
  });
  check(axe.length === 0, `${name}: no serious or critical axe violations ${axe.join(" | ")}`);
  const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(width[0] <= width[1], `${name}: fits ${width[1]} px (content ${width[0]} px)`);
  const shift = await page.evaluate(() => new Promise((done) => {
    let total = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
    }).observe({ type: "layout-shift", buffered: true });
    setTimeout(() => done(total), 300);
  }));
  check(shift < 0.01, `${name}: no layout shift (${shift.toFixed(4)})`);
  check(state.bytes < PAGE_BUDGET, `${name}: ${state.bytes} bytes before data (budget ${PAGE_BUDGET})`);
  const viewport = page.viewportSize();
  await page.screenshot({ path: join(shots, `${name}-${viewport.width}.png`), fullPage: true });
}

async function main() {
  mkdirSync(shots, { recursive: true });
  const { base, server, work } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    for (const width of [1280, 360]) {
      console.log(`== ${width} px`);
      // axe is injected by the test, which the pages' CSP would refuse.
      const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true, acceptDownloads: true, locale: "bg-BG" });
      const page = await context.newPage();
      const state = { bytes: 0 };
      page.on("console", (m) => { if (m.type() === "error") fail(`console error on ${page.url()}: ${m.text()}`); });
      page.on("pageerror", (e) => fail(`script error on ${page.url()}: ${e.message}`));
      page.on("response", async (r) => {
        // The page's own weight: HTML, styles, scripts; not the data.
        if (r.url().includes("/api/")) return;
        const length = Number((await r.headerValue("content-length")) || 0) || (await r.body().catch(() => Buffer.alloc(0))).length;
        state.bytes += length;
      });
      await walk(page, base, state, width);
      await context.close();
    }
    await keyboard(browser, base);
    await saveFeeds(base);
  } finally {
    await browser.close();
    server.kill();
    rmSync(work, { recursive: true, force: true });
  }
  if (failures.length) {
    console.log(`${failures.length} browser checks failed`);
    process.exit(1);
  }
  console.log("every browser check passed; screenshots in " + shots);
}

async function walk(page, base, state, width) {
  await visit(page, `${base}/`, "catalog", state);
  check((await page.locator("html").getAttribute("lang")) === "bg", "catalog: Bulgarian first");

  // Search in Cyrillic, then in Latin transliteration: the budget first.
  for (const q of ["бюджети", "byudzhet"]) {
    await page.fill("#q", q);
    await Promise.all([page.waitForLoadState("networkidle"), page.press("#q", "Enter")]);
    const first = await page.locator(".cards .card h3 a").first().getAttribute("href");
    check(first === "/datasets/burgas-budget", `search ${q}: the budget first (${first})`);
  }
  // A facet narrows the list.
  await page.goto(`${base}/`, { waitUntil: "networkidle" });
  await Promise.all([page.waitForLoadState("networkidle"), page.locator(".facets a", { hasText: "Решения на съвета" }).click()]);
  const cards = await page.locator(".cards .card").count();
  check(cards === 1 && page.url().includes("profile=decision"), `facet: one council dataset (${cards}, ${page.url()})`);

  // A dataset: chart drawn, preview sorted, filtered and searched through the API.
  await visit(page, `${base}/datasets/burgas-budget`, "dataset", state);
  check((await page.locator(".plot canvas").count()) > 0, "dataset: the chart is drawn");
  const firstCell = async () => (await page.locator("#preview tbody tr").first().innerText()).trim();
  const before = await firstCell();
  const sortLink = page.locator('#preview thead th a[data-field="amount_eur"]');
  await Promise.all([page.waitForResponse((r) => r.url().includes("/rows?") && r.url().includes("sort=amount_eur")), sortLink.click()]);
  await page.waitForFunction(() => !document.querySelector("#preview table").hasAttribute("aria-busy"));
  check((await page.locator('#preview th[aria-sort="ascending"]').count()) === 1, "preview: sorted ascending");
  await Promise.all([page.waitForResponse((r) => r.url().includes("sort=-amount_eur")), sortLink.click()]);
  await page.waitForFunction(() => !document.querySelector("#preview table").hasAttribute("aria-busy"));
  const after = await firstCell();
  check(before !== after, "preview: sorting changed the first row");
  await page.fill("#preview-q", "заплати");
  await Promise.all([page.waitForResponse((r) => r.url().includes("q=")), page.click("#preview form button[type=submit]")]);
  await page.waitForFunction(() => !document.querySelector("#preview table").hasAttribute("aria-busy"));
  const found = await page.locator("#preview tbody tr").count();
  const texts = await page.locator("#preview tbody").innerText();
  check(found > 0 && /заплат/i.test(texts), `preview search: ${found} rows about salaries`);
  await page.selectOption("#filter-field", "direction");
  await page.fill("#filter-value", "revenue");
  await page.fill("#preview-q", "");
  await Promise.all([page.waitForResponse((r) => r.url().includes("direction__contains=revenue")), page.click("#preview form button[type=submit]")]);
  await page.waitForFunction(() => !document.querySelector("#preview table").hasAttribute("aria-busy"));
  const directions = await page.locator("#preview tbody").innerText();
  check(!/expenditure/.test(directions) && /revenue/.test(directions), "preview filter: revenue only");

  // The CSV for Excel: a BOM, then UTF-8 Cyrillic.
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("a", { hasText: "CSV за Excel" }).click()]);
  const bytes = readFileSync(await download.path());
  check(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf, "CSV for Excel starts with a UTF-8 BOM");
  check(/[\u0400-\u04FF]/.test(bytes.toString("utf8")), "CSV for Excel carries Cyrillic as UTF-8");

  // The language switch.
  await Promise.all([page.waitForLoadState("networkidle"), page.locator("a.switch").click()]);
  check((await page.locator("html").getAttribute("lang")) === "en", "switch: English");
  check((await page.locator("h1").innerText()).includes("Budget"), "switch: the English title");
  await page.goto(`${base}/`, { waitUntil: "networkidle" });
  check((await page.locator("html").getAttribute("lang")) === "en", "switch: remembered on the next page");

  // A changes page and a record page.
  await visit(page, `${base}/datasets/burgas-projects/changes?from=1&to=1`, "changes", state);
  await visit(page, `${base}/datasets/burgas-projects/rows/akve-kalide`, "record", state);
  check((await page.locator("h1").innerText()).includes("akve-kalide"), "record: its key in the heading");
  await visit(page, `${base}/datasets/burgas-procurements?lang=bg`, "dataset-procurement", state);
  await visit(page, `${base}/datasets/burgas-council-decisions`, "dataset-decisions", state);
  await page.goto(`${base}/?lang=bg`, { waitUntil: "networkidle" });
  void width;
}

/// The Atom feeds, kept for a real feed parser (tools/validate/feeds.py).
async function saveFeeds(base) {
  const dir = join(shots, "feeds");
  mkdirSync(dir, { recursive: true });
  const paths = ["/feed.atom", "/feed.atom?lang=en", "/datasets/burgas-budget/feed.atom", "/datasets/burgas-council-decisions/feed.atom?lang=en"];
  for (const [i, path] of paths.entries()) {
    const response = await fetch(base + path);
    check(response.ok && response.headers.get("content-type").startsWith("application/atom+xml"), `feed ${path}`);
    writeFileSync(join(dir, `feed-${i}.atom`), Buffer.from(await response.arrayBuffer()));
  }
}

/// The catalog with the keyboard only: skip link, search, a result.
async function keyboard(browser, base) {
  console.log("== keyboard only");
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/?lang=en`, { waitUntil: "networkidle" });
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement.classList.contains("skip")), "keyboard: the skip link first");
  await page.keyboard.press("Enter");
  check(await page.evaluate(() => document.activeElement.id === "main" || location.hash === "#main"), "keyboard: skip to the content");
  // Tab until the search box has focus.
  for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement.id === "q")); i++) {
    await page.keyboard.press("Tab");
  }
  check(await page.evaluate(() => document.activeElement.id === "q"), "keyboard: the search box");
  await page.keyboard.type("byudzhet");
  await Promise.all([page.waitForURL(/q=byudzhet/), page.keyboard.press("Enter")]);
  await page.waitForLoadState("networkidle");
  // Tab to the first result's link and open it.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const href = await page.evaluate(() => document.activeElement.getAttribute("href"));
    if (href && href.startsWith("/datasets/")) break;
  }
  const focused = await page.evaluate(() => document.activeElement.getAttribute("href"));
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(focused === "/datasets/burgas-budget", `keyboard: the budget's link (${focused})`);
  check(outline !== "none", "keyboard: focus is visible");
  await Promise.all([page.waitForURL(/\/datasets\/burgas-budget$/), page.keyboard.press("Enter")]);
  check(page.url().endsWith("/datasets/burgas-budget"), "keyboard: the dataset opens");
  await context.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
