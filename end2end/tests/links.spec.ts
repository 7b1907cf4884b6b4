import http from "node:http";
import type { AddressInfo } from "node:net";
import { test, expect, signIn, hydrated } from "./fixtures";

// Headless Chromium calls itself HeadlessChrome, which the portal counts as a bot (never
// attributed): the visitor browses with an ordinary Chrome user agent.
const VISITOR_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/** The vendor's site: one landing page with the tracking snippet and a signup form. */
function vendorSite(portalOrigin: string, publicKey: () => string) {
  return http.createServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title>
<link rel="icon" href="data:,"></head><body><h1>Welcome to Acme Analytics</h1>
<script src="${portalOrigin}/js/track.js" data-key="${publicKey()}" data-window-days="90"></script>
<form id="trial"><label for="email">Work email</label><input id="email" type="email" required>
<button type="submit">Start free trial</button></form><p id="result" role="status"></p>
<script>
document.getElementById("trial").addEventListener("submit", function (event) {
  event.preventDefault();
  portal.signup({ key: "trial-" + Date.now(), email: document.getElementById("email").value, name: "Fabrikam Trial" })
    .then(function (answer) { document.getElementById("result").textContent = "Signed up: " + answer.attribution; },
          function (error) { document.getElementById("result").textContent = "Failed: " + error.message; });
});
</script></body></html>`);
  });
}

test("a partner copies their link, a visitor signs up on the vendor's site, the partner sees the customer and the click", async ({
  page,
  openPage,
  baseURL,
}) => {
  const portal = new URL(baseURL!).origin;
  let publicKey = "";
  const site = vendorSite(portal, () => publicKey);
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  const landing = `http://127.0.0.1:${(site.address() as AddressInfo).port}/welcome`;
  try {
    // The vendor lets links go to its site and takes the snippet from Settings.
    await signIn(page, "owner@acme.example");
    await expect(page).toHaveURL(/\/vendor$/);
    await page.getByRole("link", { name: "Settings" }).click();
    await hydrated(page);
    await page.getByLabel("Allowed link destinations (domains, comma separated)").fill("acme.example, 127.0.0.1");
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/save_program") && r.ok());
    await page.getByRole("button", { name: "Save settings" }).click();
    await saved;
    await expect(page.getByRole("status").filter({ hasText: /Saved/ })).toBeVisible();
    // Link and tracking settings are a form of their own (technical teammates save them too).
    const tracking = page.getByRole("form", { name: "Referral links and tracking" });
    await tracking.getByLabel("Default link destination").fill(landing);
    await tracking.getByLabel("Attribution model").selectOption({ label: "Last click" });
    const trackingSaved = page.waitForResponse((r) => r.url().endsWith("/api/save_tracking") && r.ok());
    await tracking.getByRole("button", { name: "Save tracking" }).click();
    await trackingSaved;
    await expect(page.getByRole("status").filter({ hasText: "Tracking settings saved." })).toBeVisible();
    const snippet = await page.getByLabel("Tracking snippet (paste on every page of your site)").inputValue();
    publicKey = /data-key="(pk_[A-Za-z0-9]+)"/.exec(snippet)![1];
    expect(snippet).toContain(`${portal}/js/track.js`);

    // The partner (a member: their own link) copies it.
    const partner = await openPage({ permissions: ["clipboard-read", "clipboard-write"] });
    await signIn(partner, "member@northwind.example");
    await expect(partner).toHaveURL(/\/partner$/);
    await hydrated(partner);
    const mine = partner.getByRole("table", { name: "Referral links" }).getByRole("row", { name: /My link/ });
    await expect(mine).toContainText(landing);
    const clicks = mine.getByRole("cell").nth(2);
    const before = Number(await clicks.innerText());
    await mine.getByRole("button", { name: "Copy" }).click();
    await expect(mine.getByRole("button", { name: "Copied" })).toBeVisible();
    const link = await partner.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(new RegExp(`^${portal}/r/[A-Za-z0-9]{10}$`));

    // A visitor follows it, lands on the vendor's page with the snippet, and signs up.
    const visitor = await openPage({ userAgent: VISITOR_AGENT });
    await visitor.goto(link);
    await expect(visitor).toHaveURL(/\/welcome\?partner_key=northwind-7f3a&click_id=[A-Za-z0-9]{18}$/);
    await visitor.getByLabel("Work email").fill("lee@fabrikam.example");
    await visitor.getByRole("button", { name: "Start free trial" }).click();
    await expect(visitor.getByRole("status")).toHaveText("Signed up: attributed");
    await visitor.context().close();

    // The partner sees the click (counted within a second or so) and the new customer.
    await expect(async () => {
      await partner.reload();
      await hydrated(partner);
      await expect(clicks).toHaveText(String(before + 1), { timeout: 1000 });
    }).toPass({ timeout: 15000 });
    await expect(mine.getByRole("cell").nth(3)).toHaveText("1");
    await expect(partner.getByRole("table", { name: "Latest customers" })).toContainText("Fabrikam Trial");

    // The member turns the link off (the row says so, no Copy button), then on again.
    await mine.getByRole("button", { name: "Turn off My link (Mia Member)" }).click();
    await expect(partner.getByRole("status").filter({ hasText: "turned off" })).toBeVisible();
    await expect(mine.locator(".badge")).toHaveText("Off");
    await expect(mine.getByRole("button", { name: "Copy" })).toHaveCount(0);
    await mine.getByRole("button", { name: "Turn on My link (Mia Member)" }).click();
    await expect(partner.getByRole("status").filter({ hasText: "turned on" })).toBeVisible();
    await expect(mine.getByRole("button", { name: "Copy" })).toBeVisible();
    await expect(mine.locator(".badge")).toHaveCount(0);
    await partner.context().close();

    // The vendor sees how the customer came: click, signup, partner.
    await page.goto("/vendor/customers");
    await hydrated(page);
    await page.getByRole("link", { name: "Fabrikam Trial" }).click();
    await hydrated(page);
    const journey = page.getByRole("list", { name: "How they came" });
    await expect(journey).toContainText("Clicked \"My link\" of Mia Member");
    await expect(journey).toContainText("Signed up (last click attribution)");
    await expect(journey).toContainText("Credited to Northwind Agency");

    // The partner's page shows the vendor the team's links with the same counts.
    await page.goto("/vendor/partners");
    await page.getByRole("link", { name: "Northwind Agency" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Northwind Agency");
    const vendorRow = page.getByRole("table", { name: "Referral links" }).getByRole("row", { name: /My link \(Mia Member\)/ });
    await expect(vendorRow.getByRole("cell").nth(2)).toHaveText(String(before + 1));
    await expect(vendorRow.getByRole("cell").nth(3)).toHaveText("1");
    await expect(vendorRow.getByRole("button")).toHaveCount(0);
  } finally {
    site.close();
  }
});
