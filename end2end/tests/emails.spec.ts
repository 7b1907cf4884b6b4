import { test, expect, signIn, hydrated, expectOneH1, receivedBy, linkIn, SINK } from "./fixtures";
import type { Page } from "@playwright/test";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function invite(page: Page, email: string) {
  await page.goto("/vendor/teammates");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Finance" });
  await page.getByRole("button", { name: "Send invite" }).click();
  await expect(page.getByLabel("Invite link")).toHaveValue(/\/invite\//);
}

/** The outbox row of the message to `email`, after reloading until its status reads `status`. */
async function outboxRow(page: Page, email: string, status: RegExp) {
  const row = page.getByRole("table", { name: "Emails" }).getByRole("row").filter({ hasText: email });
  await expect(async () => {
    await page.goto("/vendor/emails");
    await expect(row).toContainText(status, { timeout: 1000 });
  }).toPass();
  return row;
}

test("an invite is emailed, the outbox shows it sent, and a refused message is sent again", async ({
  page,
  request,
}) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);

  const email = `mail-${unique()}@acme.example`;
  await invite(page, email);
  const message = await receivedBy(request, email);
  expect(message.subject).toContain("invited you to Acme Analytics");
  expect(message.text).toMatch(/\/invite\/[0-9a-f]{64}/);
  expect(message.html).toContain("Accept the invite");

  await page.goto("/vendor/program");
  await page.getByRole("link", { name: "Emails", exact: true }).click();
  await expect(page).toHaveURL(/\/vendor\/emails$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Emails");
  await expectOneH1(page);
  const sent = await outboxRow(page, email, /Sent \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  await expect(sent).toContainText("Invite");
  // The demo's own messages are in the outbox too, their text readable.
  const demo = page.getByRole("table", { name: "Emails" }).getByRole("row").filter({ hasText: "New partner application: Brightside Affiliates" });
  await expect(demo.first()).toBeVisible();
  await demo.first().getByText("New partner application: Brightside Affiliates").click();
  await expect(demo.first()).toContainText("Brightside Affiliates applied to Acme Partner Program.");

  // The mail server refuses the next message to an address for good: it fails with the
  // server's reason.
  const refused = `refused-${unique()}@acme.example`;
  await request.post(`${SINK}/refuse?count=1&code=550&to=${encodeURIComponent(refused)}`);
  await invite(page, refused);
  const failed = await outboxRow(page, refused, /Failed after 1 attempt: .*550/);
  await hydrated(page);
  await failed.getByRole("button", { name: new RegExp(`^Send again to ${refused}`) }).click();
  await expect(page.getByRole("status").filter({ hasText: "Queued again." })).toBeVisible();
  await outboxRow(page, refused, /Sent /);
  await receivedBy(request, refused);
});

test.describe("forbidden", () => {
  test.use({ allowedHttpErrors: [403] });

  test("a partner manager has no outbox", async ({ page }) => {
    await signIn(page, "manager@acme.example");
    await expect(page).toHaveURL(/\/vendor$/);
    await page.goto("/vendor/emails");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Forbidden");
    await expect(page.locator("body")).not.toContainText("Brightside Affiliates");
  });
});

test("a partner admin who forgot their password resets it by email", async ({ page, request }) => {
  const email = "admin@northwind.example";
  const password = `reset-${unique()}-password`;
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Forgot your password?");
  await expectOneH1(page);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("status").filter({ hasText: "If an account uses that address" })).toBeVisible();

  const message = await receivedBy(request, email);
  expect(message.subject).toBe("Choose a new password for the partner portal");
  const link = linkIn(message, "/reset-password/");
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Choose a new password");
  await hydrated(page);
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(/\/partner$/);

  // The link worked once.
  await page.goto(link);
  await expect(page.getByRole("alert")).toContainText("already been used");
  await expect(page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();
});
