import { test, expect, signIn, hydrated, expectOneH1, DEMO_PASSWORD, receivedBy, linkIn } from "./fixtures";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

test("a teammate invites a teammate and the invitee accepts", async ({ page, openPage }) => {
  const email = `new-${unique()}@acme.example`;
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Teammates" }).click();
  await expect(page).toHaveURL(/\/vendor\/teammates$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Teammates");
  await expectOneH1(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Finance" });
  await page.getByRole("button", { name: "Send invite" }).click();
  const linkField = page.getByLabel("Invite link");
  await expect(linkField).toHaveValue(/\/invite\/[0-9a-f]{64}$/);
  const link = await linkField.inputValue();
  await expect(page.getByRole("table", { name: "Pending invites" })).toContainText(email);

  const invitee = await openPage();
  const errors: string[] = [];
  invitee.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee.getByRole("heading", { level: 1 })).toHaveText("Join Acme Analytics");
  await invitee.getByLabel("Your name").fill("Ivy Invitee");
  await invitee.getByLabel("Choose a password").fill("a-long-enough-password");
  await invitee.getByRole("button", { name: "Accept invite" }).click();
  await expect(invitee).toHaveURL(/\/vendor$/);
  await expect(invitee.getByRole("heading", { level: 1 })).toHaveText("Acme Analytics program overview");
  await expect(invitee.getByText("your role: Finance")).toBeVisible();
  expect(errors).toEqual([]);

  await page.reload();
  await expect(page.getByRole("table", { name: "Team" })).toContainText("Ivy Invitee");
});

test("a visitor applies, confirms their email, a teammate approves, and the partner signs in", async ({ page, openPage, request }) => {
  const id = unique();
  const email = `pat-${id}@pat.example`;
  const team = `Pat Agency ${id}`;
  await page.goto("/join/acme-partner-program");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Join Acme Partner Program");
  await page.getByLabel("Your name").fill("Pat Partner");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByLabel("Company or team name").fill(team);
  await page.getByLabel("Partner type").selectOption({ label: "Agency" });
  await page.getByLabel("Website (optional)").fill("https://pat.example");
  await page.getByLabel("Country code (optional)").fill("NL");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Check your email" })).toContainText(email);
  const message = await receivedBy(request, email, "Confirm your email");
  await page.goto(linkIn(message, "/verify-email/"));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Confirm your email");
  await hydrated(page);
  await expect(page.getByText(`Confirm ${email} to create your account and join Acme Partner Program with ${team}.`)).toBeVisible();
  await page.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${team} dashboard`);
  await expect(page.getByText("Your application is waiting for Acme Analytics to review it.")).toBeVisible();

  const manager = await openPage();
  await signIn(manager, "manager@acme.example");
  await expect(manager).toHaveURL(/\/vendor$/);
  await manager.getByRole("link", { name: "Applications" }).click();
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Applications");
  const row = manager.getByRole("row", { name: new RegExp(team) });
  await expect(row).toContainText(email);
  await hydrated(manager);
  await row.getByLabel(`Group for ${team}`).selectOption({ label: "Agencies" });
  await row.getByRole("button", { name: `Approve ${team}` }).click();
  await expect(manager.getByRole("row", { name: new RegExp(team) })).toHaveCount(0);
  // Approved into the group the teammate chose.
  await manager.goto("/vendor/partners");
  await expect(manager.getByRole("row", { name: new RegExp(team) })).toContainText("Agencies");

  // The partner signs in again and is active.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, email, "a-long-enough-password");
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.locator(".badge")).toHaveText("active");
  await expect(page.getByText("waiting for")).toHaveCount(0);
});

test.describe("field errors", () => {
  test.use({ allowedHttpErrors: [400] });

  test("the signup form shows a field-level error and keeps the visitor on the page", async ({ page }) => {
    await page.goto("/join/acme-partner-program");
    await hydrated(page);
    await page.getByLabel("Your name").fill("Olivia Again");
    await page.getByLabel("Email").fill("olivia@again.example");
    await page.getByLabel("Password").fill("short");
    await page.getByLabel("Company or team name").fill("Olivia Co");
    // The server's own check, past the browser's (`minlength`).
    await page.locator("form", { has: page.getByLabel("Password") }).evaluate((f: HTMLFormElement) => (f.noValidate = true));
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
    await expect(page).toHaveURL(/\/join\/acme-partner-program$/);
  });

  test("signing up with an address that has an account answers as for any address", async ({ page, request }) => {
    await page.goto("/join/acme-partner-program");
    await hydrated(page);
    await page.getByLabel("Your name").fill("Olivia Again");
    await page.getByLabel("Email").fill("owner@acme.example");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByLabel("Company or team name").fill("Olivia Co");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Check your email" })).toContainText("owner@acme.example");
    await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid", "true");
    // Only the mailbox's owner learns that the account exists.
    const message = await receivedBy(request, "owner@acme.example", "You already have");
    expect(linkIn(message, "/login?next=/join/acme-partner-program")).toBeTruthy();
  });
});

test("a partner owner invites a member, who sees the team but cannot invite", async ({ page, openPage }) => {
  const email = `member-${unique()}@northwind.example`;
  await signIn(page, "owner@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.getByRole("link", { name: "My team" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My team");
  await expectOneH1(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "Member" });
  await page.getByRole("button", { name: "Send invite" }).click();
  const link = await page.getByLabel("Invite link").inputValue();
  expect(link).toMatch(/\/invite\/[0-9a-f]{64}$/);

  const member = await openPage();
  await member.goto(link);
  await hydrated(member);
  await expect(member.getByRole("heading", { level: 1 })).toHaveText("Join Northwind Agency");
  await member.getByLabel("Your name").fill("Milo Member");
  await member.getByLabel("Choose a password").fill("a-long-enough-password");
  await member.getByRole("button", { name: "Accept invite" }).click();
  await expect(member).toHaveURL(/\/partner$/);
  await member.getByRole("link", { name: "My team" }).click();
  await expect(member.getByRole("table", { name: "Contacts" })).toContainText("Milo Member");
  await expect(member.getByRole("table", { name: "Contacts" })).toContainText("Nora Northwind");
  await expect(member.getByRole("button", { name: "Send invite" })).toHaveCount(0);
  await expect(member.getByRole("heading", { name: "Invite a contact" })).toHaveCount(0);
});

test("a teammate tags three partners at once", async ({ page }) => {
  await signIn(page, "manager@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Partners", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Partners");
  await hydrated(page);
  for (const team of ["Northwind Agency", "Lakeside IT", "Brightside Affiliates"]) {
    await page.getByRole("checkbox", { name: `Select ${team}` }).check();
  }
  const bulk = page.getByRole("group", { name: "With the selected partners" });
  await bulk.getByRole("combobox", { name: /^Action/ }).selectOption({ label: "Add tag" });
  await bulk.getByRole("combobox", { name: /^Tag/ }).selectOption({ label: "Newsletter" });
  await page.getByRole("button", { name: "Apply to selected" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Updated 3 partners." })).toBeVisible();
  const table = page.getByRole("table", { name: "Partners" });
  for (const team of ["Northwind Agency", "Lakeside IT", "Brightside Affiliates"]) {
    await expect(table.getByRole("row", { name: new RegExp(team) })).toContainText("Newsletter");
  }
  // The tag filter finds exactly them.
  await page.getByRole("form", { name: "Filter partners" }).getByLabel("Tag").selectOption({ label: "Newsletter" });
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/tag=\d+/);
  await expect(page.getByRole("table", { name: "Partners" }).getByRole("row")).toHaveCount(4);
});

test("a teammate builds a segment and its preview count matches the partners table", async ({ page }) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Segments" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Segments");
  await page.getByRole("link", { name: "Build a segment" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Build a segment");
  await hydrated(page);
  await page.getByRole("button", { name: "Add condition", exact: true }).click();
  await page.getByLabel("Field of condition 1").selectOption({ label: "Tag" });
  await page.getByLabel("Value of condition 1").selectOption({ label: "VIP" });
  await expect(page.locator(".preview-count")).toHaveText("2 partners match");
  await page.getByRole("button", { name: "Add condition", exact: true }).click();
  await page.getByLabel("Field of condition 2").selectOption({ label: "Tier" });
  await page.getByLabel("Value of condition 2").selectOption({ label: "Gold" });
  await expect(page.locator(".preview-count")).toHaveText("1 partner matches");
  await expect(page.getByRole("region", { name: "Preview" })).toContainText("Lakeside IT");
  await page.getByLabel("Segment name").fill("VIP gold");
  await page.getByRole("button", { name: "Save segment" }).click();
  await page.getByRole("link", { name: "See its partners" }).click();
  await expect(page).toHaveURL(/segment=\d+/);
  const rows = page.getByRole("table", { name: "Partners" }).getByRole("row");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText("Lakeside IT");
});

test("an owner creates a program and its signup page is live", async ({ page }) => {
  const name = `Acme Referral ${unique()}`;
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme Partner Program settings");
  await page.getByRole("link", { name: "Create another program" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("New program");
  await hydrated(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Currency").selectOption("EUR");
  await page.getByLabel("Signup mode").selectOption({ label: "Open" });
  await page.getByRole("button", { name: "Create program" }).click();
  // Made, it opens on its own settings and says so.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${name} settings`);
  await expect(page.getByRole("status").filter({ hasText: "Program created." })).toBeVisible();
  const join = page.getByRole("link", { name: /^\/join\// });
  await join.click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Join ${name}`);
  await expect(page.getByText("Partners join at once and can start right away.")).toBeVisible();

  // The header switches the whole vendor side to the new program, and it stays there.
  await page.goto("/vendor/partners");
  await hydrated(page);
  await page.getByRole("combobox", { name: "Program" }).selectOption({ label: name });
  await page.getByRole("button", { name: "Switch program" }).click();
  await expect(page).toHaveURL(/\/vendor\/partners$/);
  await expect(page.getByRole("table", { name: "Partners" })).toContainText("No partners match these filters.");
  await page.getByRole("link", { name: "Overview" }).click();
  await expect(page.getByRole("article", { name: "Active partners" })).toContainText("0");
  await expect(page.getByRole("combobox", { name: "Program" }).locator("option:checked")).toHaveText(name);
});

test("a teammate opens a partner, sees its contacts and history, and writes a note", async ({ page }) => {
  await signIn(page, "manager@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Partners", exact: true }).click();
  await page.getByRole("link", { name: "Northwind Agency" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Northwind Agency");
  await expectOneH1(page);
  await expect(page.getByRole("table", { name: "Contacts" })).toContainText("Mia Member");
  await hydrated(page);
  await page.getByLabel("Notes for your team (partners never see them)").fill("Strong in retail analytics.");
  await page.getByRole("button", { name: "Save notes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Notes saved." })).toBeVisible();
  await expect(page.getByRole("table", { name: "History" })).toContainText("Notes edited");
});

test("a teammate suspends a partner, who sees it, then reactivates, archives and unarchives it", async ({ page, openPage }) => {
  // Globex's own partner: no other test counts Globex's active partners.
  await signIn(page, "owner@globex.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Partners", exact: true }).click();
  await page.getByRole("link", { name: "Initech Resellers" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Initech Resellers");
  await hydrated(page);
  const status = page.getByRole("region", { name: "Status" });
  await status.getByLabel("Reason (optional, kept in the history)").fill("Paused for a review");
  await status.getByRole("button", { name: "Suspend" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The partnership is now suspended." })).toBeVisible();
  await expect(page.getByRole("table", { name: "History" })).toContainText("Status active → suspended (Paused for a review)");

  const partner = await openPage();
  await signIn(partner, "owner@initech.example");
  await expect(partner).toHaveURL(/\/partner$/);
  await expect(partner.getByText("Globex has suspended this partnership.")).toBeVisible();

  await hydrated(page);
  await page.getByRole("region", { name: "Status" }).getByRole("button", { name: "Reactivate" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The partnership is now active." })).toBeVisible();
  await hydrated(page);
  await page.getByRole("region", { name: "Status" }).getByRole("button", { name: "Archive" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The partnership is now archived." })).toBeVisible();
  await hydrated(page);
  await page.getByRole("region", { name: "Status" }).getByRole("button", { name: "Unarchive" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The partnership is now active." })).toBeVisible();
  await expect(page.getByRole("region", { name: "Status" }).getByRole("button", { name: "Suspend" })).toBeVisible();
});
