import { test, expect, signIn, hydrated, expectOneH1, DEMO_PASSWORD } from "./fixtures";

test.describe("wrong credentials", () => {
test.use({ allowedHttpErrors: [401] });

test("a wrong password shows one generic alert and stays on the sign-in page", async ({ page }) => {
  await signIn(page, "owner@acme.example", "not-the-right-password");
  await expect(page.getByRole("alert")).toContainText("Invalid email or password");
  await expect(page).toHaveURL(/\/login/);
  await expectOneH1(page);
});

test("an unknown email gets the same message as a wrong password", async ({ page }) => {
  await signIn(page, "nobody@nowhere.example", "whatever-password-1");
  await expect(page.getByRole("alert")).toContainText("Invalid email or password");
});
});

test("signing out ends the session", async ({ page }) => {
  await signIn(page, "manager@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await hydrated(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
  await page.goto("/vendor");
  await expect(page).toHaveURL(/\/login\?next=\/vendor$/);
});

test("a visitor opening a dashboard is sent to sign in and then back", async ({ page }) => {
  await page.goto("/partner");
  await expect(page).toHaveURL(/\/login\?next=\/partner$/);
  await hydrated(page);
  await page.getByLabel("Email").fill("finance@northwind.example");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Northwind Agency dashboard");
});

test.describe("before hydration", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-in form works as a plain form post", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("owner@acme.example");
    await page.getByLabel("Password").fill("definitely-wrong-pass");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("Invalid email or password");
    await page.getByLabel("Email").fill("owner@acme.example");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/vendor$/);
    await expect(page.getByRole("article", { name: "Active partners" })).toContainText("2");
  });
});
