import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

test.describe("first-run set-up", () => {
  // An address without a domain is refused with 400.
  test.use({ allowedHttpErrors: [400] });

  test("a new install is set up in the browser with the link its server prints", async ({ page }) => {
    const server = process.env.PORTAL_SERVER_BIN;
    expect(server, "PORTAL_SERVER_BIN (set by ./dev test)").toBeTruthy();
    // A server of its own on an empty database: no company yet.
    const dir = mkdtempSync(join(tmpdir(), "portal-setup-"));
    const child = spawn(server!, ["serve"], {
      env: {
        ...process.env,
        DATABASE_URL: `sqlite://${dir}/setup.db`,
        LEPTOS_SITE_ADDR: "127.0.0.1:0",
        RUST_LOG: "warn",
        PORTAL_SEED_DEMO: "",
        PORTAL_SMTP_URL: "",
        PORTAL_PUBLIC_ORIGIN: "",
        PORTAL_LOG_FORMAT: "text",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const link = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no set-up link in: ${out}`)), 20_000);
        child.stdout!.on("data", (chunk) => {
          out += chunk;
          const found = out.match(/Set it up at (\S+)/);
          if (found) {
            clearTimeout(timer);
            resolve(found[1]);
          }
        });
        child.on("exit", (code) => reject(new Error(`the server exited (${code}): ${out}`)));
      });
      await page.goto(link);
      await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set up the portal");
      await expectOneH1(page);
      await expect(page.getByLabel("Set-up token")).not.toHaveValue("");
      await page.getByLabel("Company name").fill("Contoso");
      await page.getByLabel("Your name").fill("Ann Lee");
      // The browser lets this address through; the server does not.
      await page.getByLabel("Your email").fill("ann@contoso");
      await page.getByLabel("Currency of the partner program").selectOption("EUR");
      await page.getByRole("button", { name: "Create the company" }).click();
      await expect(page.getByLabel("Your email")).toHaveAccessibleDescription(/email/i);
      await page.getByLabel("Your email").fill("ann@contoso.example");
      await page.getByRole("button", { name: "Create the company" }).click();
      await expect(page).toHaveURL(/\/set-password\/[0-9a-f]+$/);
      await hydrated(page);
      await expect(page.getByText("Welcome, Ann Lee.")).toBeVisible();
      await page.getByLabel("Choose a password").fill("contoso-owner-password");
      await page.getByRole("button", { name: "Set password and sign in" }).click();
      await expect(page).toHaveURL(/\/vendor$/);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Contoso program overview");
      // The link is spent: the page now only says so.
      await page.goto(link);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("The portal is set up");
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
