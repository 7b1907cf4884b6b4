import { test, expect, expectOneH1, hydrated, signIn } from "./fixtures";
import type { Page } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** The unread count the header's bell says (0 when it shows none). */
async function unread(page: Page): Promise<number> {
  const label = (await page.getByRole("link", { name: /^Notifications/ }).getAttribute("aria-label")) ?? "";
  const match = label.match(/(\d+) unread/);
  return match ? Number(match[1]) : 0;
}

test("a partner owner sees a passed lead under the bell, opens it and marks everything read", async ({
  page,
  openPage,
}) => {
  const company = `Bell ${unique()}`;
  const partner = await openPage();
  await signIn(partner, "owner@northwind.example");
  await expect(partner).toHaveURL(/\/partner$/);
  const before = await unread(partner);

  // A teammate passes Northwind a lead: its owners are emailed, and notified.
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.goto("/vendor/partners");
  await page.getByRole("link", { name: "Northwind Agency" }).click();
  await hydrated(page);
  const pass = page.getByRole("region", { name: "Pass a lead" });
  await pass.getByLabel("Company", { exact: true }).fill(company);
  await pass.getByLabel("Contact email").fill("buyer@bell.example");
  await pass.getByRole("button", { name: "Pass lead" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Lead passed." })).toBeVisible();

  await partner.reload();
  expect(await unread(partner)).toBe(before + 1);
  await partner.getByRole("link", { name: /^Notifications/ }).click();
  await expect(partner.getByRole("heading", { level: 1 })).toHaveText("Notifications");
  await expectOneH1(partner);
  await hydrated(partner);
  const list = partner.getByRole("list", { name: "Notifications" });
  const item = list.getByRole("listitem").filter({ hasText: `A lead for you: ${company}` });
  await expect(item).toBeVisible();
  await expect(item.getByRole("link", { name: "Open" })).toHaveAttribute("href", "/partner/leads");

  // Marked read, it stays listed and the count drops.
  await item.getByRole("button", { name: `Mark “A lead for you: ${company}” as read` }).click();
  await expect(item.getByRole("button", { name: /as read/ })).toHaveCount(0);
  await expect.poll(() => unread(partner)).toBe(before);
  if (before > 0) {
    await partner.getByRole("button", { name: "Mark all as read" }).click();
    await expect(partner.getByText("Nothing unread.")).toBeVisible();
  }
  await expect.poll(() => unread(partner)).toBe(0);
  await expect(partner.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();

  await item.getByRole("link", { name: "Open" }).click();
  await expect(partner.getByRole("heading", { level: 1 })).toHaveText("Leads");

  // The profile turns an email off (it stays under the bell), and on again.
  await partner.goto("/profile");
  await hydrated(partner);
  const emails = partner.getByRole("region", { name: "Emails" });
  const won = emails.getByRole("checkbox", { name: "Deal won" });
  await expect(won).toBeChecked();
  await won.uncheck();
  await emails.getByRole("button", { name: "Save email settings" }).click();
  await expect(partner.getByRole("status").filter({ hasText: "Email settings saved." })).toBeVisible();
  await partner.reload();
  await expect(partner.getByRole("region", { name: "Emails" }).getByRole("checkbox", { name: "Deal won" })).not.toBeChecked();
  await hydrated(partner);
  await partner.getByRole("region", { name: "Emails" }).getByRole("checkbox", { name: "Deal won" }).check();
  await partner.getByRole("region", { name: "Emails" }).getByRole("button", { name: "Save email settings" }).click();
  await expect(partner.getByRole("status").filter({ hasText: "Email settings saved." })).toBeVisible();
});
