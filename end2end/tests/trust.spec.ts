import { execFileSync } from "node:child_process";
import { test, expect, signIn, hydrated, expectOneH1 } from "./fixtures";

test("someone who already has an account accepts an invite by signing in", async ({ page, openPage }) => {
  await signIn(page, "owner@lakeside.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.getByRole("link", { name: "My team" }).click();
  await page.getByLabel("Email").fill("owner@initech.example");
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Member" });
  await page.getByRole("button", { name: "Send invite" }).click();
  const link = await page.getByLabel("Invite link").inputValue();

  // The link's page never asks for an existing account's password.
  const invitee = await openPage();
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee.getByRole("heading", { level: 1 })).toHaveText("Join Lakeside IT");
  await expectOneH1(invitee);
  await invitee.getByRole("link", { name: "Sign in as owner@initech.example to accept" }).click();
  await expect(invitee).toHaveURL(/\/login\?next=/);
  await hydrated(invitee);
  await invitee.getByLabel("Email").fill("owner@initech.example");
  await invitee.getByLabel("Password").fill("partner-portal-demo");
  await invitee.getByRole("button", { name: "Sign in" }).click();
  await expect(invitee).toHaveURL(/\/invite\/[0-9a-f]{64}$/);
  await hydrated(invitee);
  await expect(invitee.getByText("You are signed in as owner@initech.example.")).toBeVisible();
  await invitee.getByRole("button", { name: "Accept invite" }).click();
  await expect(invitee).toHaveURL(/\/partner$/);
  await invitee.getByRole("link", { name: "My team" }).click();
  await expect(invitee.getByRole("table", { name: "Contacts" })).toContainText("owner@initech.example");
});

test("the first owner of a company made on the command line sets a password and lands in it", async ({ page }) => {
  const server = process.env.PORTAL_SERVER_BIN;
  const database = process.env.PORTAL_DATABASE_URL;
  expect(server, "PORTAL_SERVER_BIN (set by ./dev test)").toBeTruthy();
  expect(database, "PORTAL_DATABASE_URL (set by ./dev test)").toBeTruthy();
  const name = `Fabrikam ${Date.now().toString(36)}`;
  const out = execFileSync(
    server!,
    ["create-company", "--name", name, "--owner-email", `owner-${Date.now()}@fabrikam.example`, "--owner-name", "Fay Owner"],
    { env: { ...process.env, DATABASE_URL: database!, RUST_LOG: "error" }, encoding: "utf8" },
  );
  const link = out.split(/\s+/).find((word) => word.includes("/set-password/"));
  expect(link, out).toBeTruthy();
  await page.goto(new URL(link!).pathname);
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set your password");
  await expectOneH1(page);
  await page.getByLabel("Choose a password").fill("fabrikam-owner-password");
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(/\/vendor$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${name} program overview`);
});
