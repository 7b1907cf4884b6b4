import { test, expect, signIn, hydrated, expectOneH1 } from "./fixtures";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

test.describe("deal registration", () => {
  // The bad amount is answered with 400, which Chromium logs.
  test.use({ allowedHttpErrors: [400] });

test("a partner registers a deal that conflicts with a customer, and the vendor sees it flagged", async ({ page, openPage }) => {
  const company = `Contoso Division ${unique()}`;
  await signIn(page, "owner@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.getByRole("link", { name: "Deals" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Deals");
  await expectOneH1(page);
  await hydrated(page);
  const form = page.getByRole("region", { name: "Register a deal" });
  await form.getByLabel("Company", { exact: true }).fill(company);
  await form.getByLabel("Company website").fill("https://www.eu.contoso.example/pricing");
  await form.getByLabel("Amount").fill("1e3");
  await form.getByLabel("Expected close").fill("2099-03-31");
  await form.getByRole("button", { name: "Register deal" }).click();
  // A bad amount is refused beside its field; nothing is registered.
  await expect(form.getByText('"1e3" is not an amount')).toBeVisible();
  await form.getByLabel("Amount").fill("4,250.00");
  await form.getByRole("button", { name: "Register deal" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deal registered." })).toBeVisible();
  const registered = page.getByRole("region", { name: "Registered", exact: true });
  const mine = registered.getByRole("listitem", { name: company });
  await expect(mine).toContainText("$4,250.00");
  await expect(mine).not.toContainText("Conflicts");

  const manager = await openPage();
  await signIn(manager, "manager@acme.example");
  await expect(manager).toHaveURL(/\/vendor$/);
  await manager.getByRole("link", { name: "Deals" }).click();
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Deals");
  await hydrated(manager);
  const flagged = manager.getByRole("region", { name: "Registered", exact: true }).getByRole("listitem", { name: company });
  await expect(flagged).toContainText("Conflicts with customer Contoso Retail");
  await expect(flagged).toContainText("Northwind Agency");
  // Rejected as a duplicate; the partner reads the reason.
  await manager.getByLabel(`Reason for rejecting ${company}`, { exact: true }).fill("Contoso is already our customer");
  await manager.getByRole("button", { name: `Reject ${company}` }).click();
  await expect(manager.getByRole("region", { name: "Rejected" }).getByRole("listitem", { name: company })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("region", { name: "Rejected" }).getByRole("listitem", { name: company })).toContainText(
    "Reason: Contoso is already our customer",
  );
});
});

test("a co-sell deal gets manager@acme.example as rep, is closed won, and shows in both pipelines", async ({ page, openPage }) => {
  const company = `Cosell ${unique()}`;
  await signIn(page, "member@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.getByRole("link", { name: "Deals" }).click();
  await hydrated(page);
  const form = page.getByRole("region", { name: "Register a deal" });
  await form.getByLabel("Company", { exact: true }).fill(company);
  await form.getByLabel("Company website").fill(`${company.toLowerCase().replace(/\s+/g, "-")}.example`);
  await form.getByLabel("Amount").fill("12,000");
  await form.getByLabel("Expected close").fill("2099-06-30");
  await form.getByLabel("Motion").selectOption({ label: "Co-sell" });
  await form.getByRole("button", { name: "Register deal" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Deal registered." })).toBeVisible();

  const manager = await openPage();
  await signIn(manager, "manager@acme.example");
  await expect(manager).toHaveURL(/\/vendor$/);
  await manager.goto("/vendor/deals");
  await hydrated(manager);
  const deal = (stage: string) => manager.getByRole("region", { name: stage, exact: true }).getByRole("listitem", { name: company });
  await manager.getByRole("button", { name: `Approve ${company}` }).click();
  await expect(deal("Approved")).toContainText("Protected until");
  await manager.getByLabel(`Rep for ${company}`, { exact: true }).selectOption({ label: "Manny Manager" });
  await manager.getByRole("button", { name: `Assign rep for ${company}` }).click();
  await expect(deal("Approved")).toContainText("Rep: Manny Manager");

  // The partner starts the work and sees who the vendor's rep is.
  await page.reload();
  await hydrated(page);
  await page.getByRole("button", { name: `Start work on ${company}` }).click();
  const partnerDeal = (stage: string) => page.getByRole("region", { name: stage, exact: true }).getByRole("listitem", { name: company });
  await expect(partnerDeal("In progress")).toContainText("Rep: Manny Manager");

  await manager.reload();
  await hydrated(manager);
  await manager.getByLabel(`Closing amount for ${company}`, { exact: true }).fill("12,500.00");
  await manager.getByRole("button", { name: `Mark ${company} won` }).click();
  await expect(deal("Closed won")).toContainText("$12,500.00");
  await expect(deal("Closed won")).toContainText(`customer ${company}`);
  await deal("Closed won").getByText(/Timeline/).click();
  await expect(manager.getByRole("list", { name: `Timeline of ${company}` })).toContainText("Closed won by Manny Manager at $12,500.00");

  await page.reload();
  await expect(partnerDeal("Closed won")).toContainText("$12,500.00");
  await expect(page.getByRole("region", { name: "Closed won" }).getByText(/total/)).toBeVisible();

  // The customer the deal made has a page on the vendor side.
  await manager.getByRole("link", { name: "Customers" }).click();
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Customers");
  await manager.getByLabel("Name, email or domain").fill(company);
  await manager.getByRole("button", { name: "Search" }).click();
  await manager.getByRole("link", { name: company }).click();
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText(company);
  await expect(manager.getByRole("link", { name: "Northwind Agency" })).toBeVisible();
  await expect(manager.getByRole("region", { name: "Deals" }).getByRole("listitem", { name: company })).toContainText("$12,500.00");
});
