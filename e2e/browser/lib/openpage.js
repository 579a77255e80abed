// The /open page (local mode's redirect URL) in Chromium: on a phone it
// shows the sign-in code, which typed into the app signs in; on a desktop
// its script opens the stytch-desktop:// link at once, which reaches the app
// through the OS. Used by flows.test.js (flow F).
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { STEP_MS, openThroughOS } from "./helpers.js";
import { until } from "./dev.js";

export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  colorScheme: "dark",
  userAgent:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
};
export const DESKTOP = { viewport: { width: 1100, height: 720 }, colorScheme: "light" };

/** A separate Chromium for the "other device" pages (the app's own page keeps its persistent profile). */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
  });
}

/**
 * Opens the email's link in a new page of `browser` with `device`, records
 * every navigation the page's script asks for (Chrome DevTools Protocol:
 * Page.frameRequestedNavigation; a stytch-desktop:// navigation never loads,
 * so it is seen there, not as a request) and returns both.
 */
export async function openEmailLink(browser, device, emailLink) {
  const ctx = await browser.newContext(device);
  const page = await ctx.newPage();
  page.setDefaultTimeout(STEP_MS);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Page.enable");
  const navigations = [];
  cdp.on("Page.frameRequestedNavigation", (e) => navigations.push(e.url));
  const scripts = [];
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.push(r.url());
  });
  // "commit": a page that hands a link to an app never fires "load" in
  // headless Chromium (the external navigation stays pending).
  await page.goto(emailLink, { waitUntil: "commit", timeout: STEP_MS });
  await page.locator("main").waitFor({ timeout: STEP_MS });
  assert.match(new URL(page.url()).pathname, /^\/open$/, "the email's link leads to the /open page");
  return { ctx, page, navigations, scripts };
}

/** The code the page shows, as the user reads it (ABCD-EFGH). */
export async function shownCode(page) {
  const code = (await page.locator("#code [aria-hidden=true]").textContent()).trim();
  assert.match(code, /^[A-HJ-NP-TV-Z2-9]{4}-[A-HJ-NP-TV-Z2-9]{4}$/, "an 8-character code without ambiguous characters");
  return code;
}

/** Waits for the page's script to ask for the app link, and returns it. */
export async function awaitAppNavigation(navigations) {
  return until("the page to open stytch-desktop://", () => navigations.find((u) => u.startsWith("stytch-desktop://auth/callback?")), STEP_MS);
}

export { openThroughOS };
