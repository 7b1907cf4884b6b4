// The forms that promise to work before hydration, with JavaScript off in the whole browser
// (the "no-js" project): each is a plain form post and a page the server renders.
import { test, expect, DEMO_PASSWORD } from "./fixtures";
import type { Page } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function signInPlain(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("without JavaScript a teammate signs in, reads the pages and signs out", async ({ page }) => {
  await signInPlain(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await expect(page.getByRole("article", { name: "Active partners" })).toBeVisible();
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Rewards" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Rewards");
  await page.getByLabel("Status").selectOption({ label: "available" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/status=available/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
});

test("without JavaScript the phone menu opens and leads to a section", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInPlain(page, "owner@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  const sections = page.getByRole("navigation", { name: "Sections" });
  await expect(sections).toBeHidden();
  await page.locator("summary", { hasText: "Menu" }).click();
  await sections.getByRole("link", { name: "Earnings" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Earnings");
});

test("without JavaScript a partner switches program and is told so once", async ({ page }) => {
  await signInPlain(page, "owner@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.getByRole("combobox", { name: "Program" }).selectOption({ label: "Umbrella Referral Program — Umbrella Health" });
  await page.getByRole("button", { name: "Switch program" }).click();
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByRole("region", { name: /Umbrella Referral Program/ })).toBeVisible();
  const notice = page.getByRole("status").filter({ hasText: "Now showing Umbrella Referral Program — Umbrella Health." });
  await expect(notice).toBeVisible();
  await page.reload();
  await expect(notice).toHaveCount(0);
});

test("without JavaScript a partner registers a lead and renames themselves", async ({ page }) => {
  await signInPlain(page, "member@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.goto("/partner/leads");
  const company = `Plain ${unique()}`;
  await page.getByLabel("Company", { exact: true }).fill(company);
  await page.getByLabel("Contact name").fill("Pat Plain");
  await page.getByLabel("Contact email").fill(`pat@${company.toLowerCase().replace(/\s+/g, "-")}.example`);
  await page.getByRole("button", { name: "Register lead" }).click();
  await expect(page).toHaveURL(/\/partner\/leads/);
  // What the form did is said on the page the browser lands on, as with JavaScript.
  await expect(page.getByRole("status").filter({ hasText: "Lead registered." })).toBeVisible();
  await expect(page.getByRole("table", { name: "Your leads" }).getByRole("row", { name: new RegExp(company) })).toContainText("submitted");

  await page.goto("/profile");
  const name = `Mia ${unique()}`;
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page).toHaveURL(/\/profile/);
  await expect(page.getByRole("status").filter({ hasText: "Name saved." })).toBeVisible();
  await expect(page.getByLabel("Your name")).toHaveValue(name);
  await expect(page.getByRole("navigation", { name: "Account" })).toContainText(name);
  // A refusal comes back with the page too.
  await page.getByLabel("Current password").fill("not-the-password-at-all");
  await page.getByLabel("New password").fill("a-new-long-enough-password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("alert")).toContainText("That is not your current password");
});
