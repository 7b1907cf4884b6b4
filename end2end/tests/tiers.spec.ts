import { test, expect, signIn, hydrated } from "./fixtures";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

// Runs last: it moves Northwind up to the top tier, which changes what every later reward of
// Northwind's pays.
test("a won deal promotes Northwind at once and its owner sees why; the grace period is a setting", async ({ page, openPage }) => {
  test.setTimeout(90_000);
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Settings" }).click();
  await hydrated(page);
  const grace = page.getByLabel("Tier grace period (days below a tier's rule before moving down)");
  await grace.fill("14");
  await page.getByRole("button", { name: "Save settings" }).click();
  // Saved, the page loads again with the stored value.
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(grace).toHaveValue("14");

  // Northwind registers a large deal; the vendor approves it and, once work started, wins it.
  const company = `Enterprise ${unique()}`;
  const partner = await openPage();
  await signIn(partner, "owner@northwind.example");
  await expect(partner).toHaveURL(/\/partner$/);
  await partner.goto("/partner/deals");
  await hydrated(partner);
  const form = partner.getByRole("region", { name: "Register a deal" });
  await form.getByLabel("Company", { exact: true }).fill(company);
  await form.getByLabel("Company website").fill(`${company.toLowerCase().replace(/\s+/g, "-")}.example`);
  await form.getByLabel("Amount").fill("60,000");
  await form.getByLabel("Expected close").fill("2099-06-30");
  await form.getByLabel("Motion").selectOption({ label: "Co-sell" });
  await form.getByRole("button", { name: "Register deal" }).click();
  await expect(partner.getByRole("status").filter({ hasText: "Deal registered." })).toBeVisible();

  await page.goto("/vendor/deals");
  await hydrated(page);
  await page.getByRole("button", { name: `Approve ${company}` }).click();
  await expect(page.getByRole("region", { name: "Approved", exact: true }).getByRole("listitem", { name: company })).toBeVisible();
  await partner.reload();
  await hydrated(partner);
  await partner.getByRole("button", { name: `Start work on ${company}` }).click();
  await expect(partner.getByRole("region", { name: "In progress", exact: true }).getByRole("listitem", { name: company })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await page.getByRole("button", { name: `Mark ${company} won` }).click();
  await expect(page.getByRole("region", { name: "Closed won", exact: true }).getByRole("listitem", { name: company })).toContainText("$60,000.00");

  await partner.goto("/partner");
  await hydrated(partner);
  await expect(partner.locator(".facts")).toContainText("Gold");
  const changes = partner.getByRole("list", { name: "Tier changes" });
  await expect(changes.getByRole("listitem").first()).toContainText("Promoted to Gold");
  await expect(changes.getByRole("listitem").first()).toContainText(
    /Closed-won deal revenue in the last 90 days reached \$\d{2},\d{3}\.\d\d \(Gold needs \$50,000\.00\)/,
  );
  // Gold is the top tier: nothing left to progress to.
  await expect(partner.getByLabel(/Progress to/)).toHaveCount(0);
});
