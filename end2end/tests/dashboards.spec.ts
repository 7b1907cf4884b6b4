import { test, expect, signIn, hydrated, expectOneH1 } from "./fixtures";

test("a teammate lands on the program overview with KPI cards from the database", async ({ page }) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme Analytics program overview");
  await expectOneH1(page);
  const kpi = (name: string) => page.getByRole("article", { name }).locator(".kpi-value");
  await expect(kpi("Active partners")).toHaveText("2");
  await expect(kpi("Open leads")).toHaveText("4");
  await expect(kpi("Open deals")).toHaveText("3");
  await expect(kpi("Rewards pending")).toHaveText("$294.25");
  await expect(kpi("Payouts requested")).toHaveText("$800.00");
  const table = page.getByRole("table", { name: "Partners" });
  await expect(table.getByRole("row")).toHaveCount(4);
  await expect(table).toContainText("Northwind Agency");
  await expect(table).toContainText("Brightside Affiliates");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  // Another tenant's data never shows.
  await expect(page.locator("body")).not.toContainText("Initech");
});

test("the partners filter works in the browser once the page has hydrated", async ({ page }) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await hydrated(page);
  const table = page.getByRole("table", { name: "Partners" });
  await page.getByLabel("Filter this page").fill("lake");
  await expect(table.getByRole("row", { name: /Lakeside IT/ })).toBeVisible();
  await expect(table.getByRole("row", { name: /Northwind Agency/ })).toBeHidden();
  await page.getByLabel("Filter this page").fill("");
  await expect(table.getByRole("row", { name: /Northwind Agency/ })).toBeVisible();
});

test("a technical teammate sees the counts but no money", async ({ page }) => {
  await signIn(page, "tech@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await expect(page.getByRole("article", { name: "Rewards pending" })).toContainText("Hidden for your role");
  await expect(page.locator("body")).not.toContainText("$294.25");
});

test("a partner owner sees the balance, pending rewards and lifetime paid", async ({ page }) => {
  await signIn(page, "owner@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Northwind Agency dashboard");
  await expectOneH1(page);
  const kpi = (name: string) => page.getByRole("article", { name }).locator(".kpi-value");
  await expect(kpi("Available balance")).toHaveText("$370.50");
  await expect(kpi("Pending rewards")).toHaveText("$144.25");
  await expect(kpi("Lifetime paid")).toHaveText("$1,200.00");
  await expect(page.locator(".facts")).toContainText("Agencies");
  await expect(page.locator(".facts")).toContainText("Silver");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test("a partner member sees the team but not its earnings", async ({ page }) => {
  await signIn(page, "member@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByText("Earnings are visible to your team's owner and finance contacts.")).toBeVisible();
  await expect(page.locator("body")).not.toContainText("$370.50");
});

test.describe("forbidden", () => {
test.use({ allowedHttpErrors: [403] });

test("a partner contact opening /vendor gets the forbidden page and no vendor data", async ({ page }) => {
  await signIn(page, "owner@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  const response = await page.goto("/vendor");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Forbidden");
  await expectOneH1(page);
  await expect(page.locator("body")).not.toContainText("Active partners");
  await expect(page.locator("body")).not.toContainText("Lakeside");
});
});

test.describe("profile", () => {
  test.use({ allowedHttpErrors: [400] });

  test("a partner owner sets payout details and sees them masked", async ({ page }) => {
    await signIn(page, "owner@lakeside.example");
    await expect(page).toHaveURL(/\/partner$/);
    await page.getByRole("link", { name: "Liam Lakeside" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Profile");
    await hydrated(page);
    const payout = page.getByRole("region", { name: "Payout details" });
    await payout.getByLabel("Method").selectOption({ label: "Bank transfer (IBAN)" });
    await payout.getByLabel("Account (IBAN or email)").fill("GB29 NWBK 6016 1331 9268 19");
    await payout.getByLabel("Your password").fill("not-my-password-at-all");
    await payout.getByRole("button", { name: "Save payout details" }).click();
    // The problem is told beside its field, which names it.
    await expect(payout.getByLabel("Your password")).toHaveAccessibleDescription("That is not your current password");
    await payout.getByLabel("Your password").fill("partner-portal-demo");
    await payout.getByRole("button", { name: "Save payout details" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Payout details saved." })).toBeVisible();
    await expect(payout).toContainText("Bank transfer (IBAN): •••• 6819");
    await expect(page.locator("body")).not.toContainText("NWBK");
    // Saved, the account and the password leave the form.
    await expect(payout.getByLabel("Account (IBAN or email)")).toHaveValue("");
    await expect(payout.getByLabel("Your password")).toHaveValue("");
  });
});

test("a partner sees the progress toward the next tier and the program terms", async ({ page }) => {
  await signIn(page, "finance@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByLabel("Progress to Gold")).toBeVisible();
  await expect(page.getByText(/Closed-won deal revenue in the last 90 days: .* of \$50,000\.00/)).toBeVisible();
  await page.getByText("Program terms").click();
  await expect(page.getByText("Rewards are held for 30 days")).toBeVisible();
});
