import { test, expect, signIn, hydrated, expectOneH1 } from "./fixtures";
import type { Page } from "@playwright/test";

const WIDTHS = [1280, 390];

/** The first link on `list` whose path matches `pattern` (a record page), if the list has one. */
async function firstRecord(page: Page, list: string, pattern: RegExp): Promise<string[]> {
  await page.goto(list);
  const hrefs = await page.locator("main a[href]").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
  const found = hrefs.find((href) => pattern.test(href.split("?")[0]));
  return found ? [found] : [];
}

/** Opens each page at each width and says which are wider than the window. */
async function tooWide(page: Page, paths: string[]): Promise<string[]> {
  const wide: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of paths) {
      await page.goto(path);
      await expect(page.locator("h1")).toHaveCount(1);
      const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (scroll > inner) wide.push(`${path} at ${width} px: ${scroll} px wide`);
    }
  }
  return wide;
}

test.describe("every page fits the screen", () => {
  test.setTimeout(180_000);

  test("a vendor owner's pages fit 1280 px and 390 px", async ({ page }) => {
    await signIn(page, "owner@acme.example");
    await expect(page).toHaveURL(/\/vendor$/);
    const records = [
      ...(await firstRecord(page, "/vendor/partners", /^\/vendor\/partners\/\d+$/)),
      ...(await firstRecord(page, "/vendor/customers", /^\/vendor\/customers\/\d+$/)),
      ...(await firstRecord(page, "/vendor/rewards", /^\/vendor\/rewards\/\d+$/)),
      ...(await firstRecord(page, "/vendor/segments", /^\/vendor\/segments\/\d+$/)),
    ];
    expect(records.length, "the demo has partners, customers and rewards").toBeGreaterThanOrEqual(3);
    const pages = [
      "/vendor",
      "/vendor/partners",
      "/vendor/applications",
      "/vendor/teammates",
      "/vendor/leads",
      "/vendor/deals",
      "/vendor/customers",
      "/vendor/transactions",
      "/vendor/offers",
      "/vendor/rewards",
      "/vendor/payouts",
      "/vendor/structure",
      "/vendor/segments",
      "/vendor/segments/new",
      "/vendor/triggers",
      "/vendor/triggers/new",
      "/vendor/program",
      "/vendor/program?new=1",
      "/vendor/api-keys",
      "/vendor/emails",
      "/vendor/emails/templates",
      "/vendor/webhooks",
      "/notifications",
      "/profile",
      "/workspaces",
      ...records,
    ];
    expect(await tooWide(page, pages)).toEqual([]);
  });

  test("a partner owner's pages and the public pages fit 1280 px and 390 px", async ({ page }) => {
    const publicPages = ["/login", "/forgot-password", "/join/acme-partner-program"];
    expect(await tooWide(page, publicPages)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, "owner@northwind.example");
    await expect(page).toHaveURL(/\/partner$/);
    const records = await firstRecord(page, "/partner/earnings", /^\/partner\/rewards\/\d+$/);
    const pages = [
      "/partner",
      "/partner/leads",
      "/partner/deals",
      "/partner/customers",
      "/partner/earnings",
      "/partner/team",
      "/notifications",
      "/profile",
      ...records,
    ];
    expect(await tooWide(page, pages)).toEqual([]);
  });
});

test("on a phone the sections are behind a menu that works by keyboard", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  const sections = page.getByRole("navigation", { name: "Sections" });
  await expect(sections).toBeHidden();
  const menu = page.locator("summary", { hasText: "Menu" });
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(sections).toBeVisible();
  await expect(sections.getByRole("group", { name: "Money" }).getByRole("link", { name: "Payouts" })).toBeVisible();
  // The links follow the menu in tab order.
  await page.keyboard.press("Tab");
  await expect(sections.getByRole("link", { name: "Overview" })).toBeFocused();
  await sections.getByRole("link", { name: "Deals" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/vendor\/deals$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  // The next page starts with the menu closed.
  await expect(page.getByRole("navigation", { name: "Sections" })).toBeHidden();
});

test("a skip link leads past the header, and focus is visible", async ({ page }) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  // A page loaded afresh: focus starts at the top of the document.
  await page.goto("/vendor/partners");
  await hydrated(page);
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  // The portal's own focus ring, not the browser's default.
  expect(await skip.evaluate((a) => getComputedStyle(a).outlineWidth)).toBe("3px");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/vendor\/partners#main$/);
  // The next Tab lands inside the page's main content, past the header's links.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.closest("main")?.id ?? "outside main")).toBe("main");
});

test.describe("refusals", () => {
  test.use({ allowedHttpErrors: [403, 404] });

  test("forbidden and missing pages carry their real status to a browser", async ({ page, openPage }) => {
    const cases: [string, string, number, string][] = [
      ["owner@globex.example", "/vendor/partners/1", 404, "Not found"],
      ["tech@acme.example", "/vendor/rewards", 403, "Forbidden"],
      ["finance@northwind.example", "/partner/leads", 403, "Forbidden"],
      ["finance@acme.example", "/vendor/program?new=1", 403, "Forbidden"],
    ];
    for (const [email, path, status, title] of cases) {
      const person = await openPage();
      await signIn(person, email);
      await expect(person).not.toHaveURL(/\/login/);
      const response = await person.goto(path);
      expect(response?.status(), `${email} ${path}`).toBe(status);
      await expect(person.getByRole("heading", { level: 1 })).toHaveText(title);
      // Still true once the page hydrated.
      await hydrated(person);
      await expect(person.getByRole("heading", { level: 1 })).toHaveText(title);
      await expectOneH1(person);
    }
    const missing = await page.goto("/no-such-page");
    expect(missing?.status()).toBe(404);
  });
});

test("the header offers only the sections the role may open", async ({ page, openPage }) => {
  await signIn(page, "tech@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  const sections = page.getByRole("navigation", { name: "Sections" });
  await expect(sections.getByRole("link", { name: "Offers" })).toBeVisible();
  for (const hidden of ["Transactions", "Rewards", "Payouts", "Triggers"]) {
    await expect(sections.getByRole("link", { name: hidden })).toHaveCount(0);
  }

  const finance = await openPage();
  await signIn(finance, "finance@acme.example");
  await expect(finance).toHaveURL(/\/vendor$/);
  await finance.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Settings" }).click();
  await expect(finance.getByRole("heading", { level: 1 })).toContainText("settings");
  await expect(finance.getByRole("link", { name: "Create another program" })).toHaveCount(0);
  await expect(finance.getByRole("link", { name: "API keys" })).toHaveCount(0);

  const contact = await openPage();
  await signIn(contact, "finance@northwind.example");
  await expect(contact).toHaveURL(/\/partner$/);
  const partnerSections = contact.getByRole("navigation", { name: "Sections" });
  await expect(partnerSections.getByRole("link", { name: "Earnings" })).toBeVisible();
  await expect(partnerSections.getByRole("link", { name: "Leads" })).toHaveCount(0);
  await expect(partnerSections.getByRole("link", { name: "Deals" })).toHaveCount(0);
});

test("profile and workspaces carry the same header as every signed-in page", async ({ page }) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  for (const path of ["/profile", "/workspaces"]) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByRole("link", { name: "Partner portal" })).toHaveAttribute("href", "/vendor");
    await expect(page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Partners", exact: true })).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  }
  await page.getByRole("link", { name: "Partner portal" }).click();
  await expect(page).toHaveURL(/\/vendor$/);
  await expect(page.getByRole("heading", { level: 1 })).not.toHaveText("Sign in");
});
