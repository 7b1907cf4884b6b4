import { test, expect, signIn, hydrated, expectOneH1 } from "./fixtures";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

test("a partner in two vendors' programs switches between them in the header", async ({ page }) => {
  await signIn(page, "owner@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByRole("region", { name: /Acme Partner Program/ })).toBeVisible();
  await expect(page.getByRole("region", { name: /Umbrella/ })).toHaveCount(0);
  await hydrated(page);
  const program = page.getByRole("combobox", { name: "Program" });
  await program.selectOption({ label: "Umbrella Referral Program — Umbrella Health" });
  // The form is sent in the background: the button says it is working until the answer.
  let answer = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  await page.route(
    "**/api/select_program",
    async (route) => {
      await answered;
      await route.continue();
    },
    { times: 1 },
  );
  await page.getByRole("button", { name: "Switch program" }).click();
  await expect(page.getByRole("button", { name: "Switching…" })).toBeDisabled();
  answer();
  await expect(page.getByRole("region", { name: /Umbrella Referral Program/ })).toBeVisible();
  await expect(page.getByRole("region", { name: /Acme Partner Program/ })).toHaveCount(0);
  await expect(page.getByText("northwind-7f3a")).toHaveCount(0);
  // The page says once what changed.
  const notice = page.getByRole("status").filter({ hasText: "Now showing Umbrella Referral Program — Umbrella Health." });
  await expect(notice).toBeVisible();
  // The choice stays with the session across pages and reloads.
  await page.getByRole("link", { name: "My team" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My team");
  await expect(notice).toHaveCount(0);
  await expect(page.getByRole("combobox", { name: "Program" })).toHaveValue(/\d+/);
  await page.goto("/partner");
  await expect(page.getByRole("region", { name: /Umbrella Referral Program/ })).toBeVisible();
  await expectOneH1(page);
});

test("a teammate edits a saved segment from the segments list, then deletes it", async ({ page }) => {
  const name = `Key accounts ${unique()}`;
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Segments" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Segments");
  const list = page.getByRole("table", { name: "Saved segments" });
  await expect(list.getByRole("row", { name: /VIP partners/ })).toContainText("Tag: VIP");
  await list.getByRole("link", { name: "Edit segment VIP partners" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Edit segment VIP partners");
  await hydrated(page);
  await expect(page.getByLabel("Value of condition 1")).toHaveValue(/\d+/);
  await expect(page.locator(".preview-count")).toHaveText("2 partners match");
  await page.getByLabel("Segment name").fill(name);
  await page.getByRole("button", { name: "Save segment" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Segment saved." })).toBeVisible();
  await page.getByRole("link", { name: "Segments" }).click();
  const row = page.getByRole("table", { name: "Saved segments" }).getByRole("row", { name: new RegExp(name) });
  await expect(row).toHaveCount(1);
  await hydrated(page);
  await row.getByRole("button", { name: `Delete segment ${name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "Segment deleted." })).toBeVisible();
  await expect(page.getByRole("table", { name: "Saved segments" }).getByRole("row", { name: new RegExp(name) })).toHaveCount(0);
});

test("a teammate renames a tag, makes a group the default and edits a tier", async ({ page }) => {
  const tag = `Fall ${unique()}`;
  const group = `Referrers ${unique()}`;
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.goto("/vendor/structure");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Program structure");
  await hydrated(page);
  await page.getByLabel("New tag name").fill(tag);
  await page.getByRole("button", { name: "Add tag" }).click();
  await expect(page.getByRole("list", { name: "Tags" })).toContainText(tag);
  await page.getByLabel(`Rename tag ${tag}`).click();
  await page.getByLabel(`New name for ${tag}`).fill(`${tag} webinar`);
  await page.getByLabel(`Rename tag ${tag}`).locator("..").getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("list", { name: "Tags" })).toContainText(`${tag} webinar`);

  await page.getByLabel("New group name").fill(group);
  await page.getByRole("button", { name: "Add group" }).click();
  await page.getByRole("button", { name: `Make ${group} the default group` }).click();
  await expect(page.getByRole("list", { name: "Groups" }).getByRole("listitem").filter({ hasText: group })).toContainText("default");
  await expect(page.getByRole("button", { name: `Make ${group} the default group` })).toHaveCount(0);

  await page.getByLabel("Edit tier Bronze").click();
  const form = page.getByLabel("Edit tier Bronze").locator("..");
  await expect(form.getByLabel("Name")).toHaveValue("Bronze");
  await form.getByLabel("Reward multiplier %").fill("105");
  await form.getByRole("button", { name: "Save tier" }).click();
  await expect(page.getByRole("table", { name: "Tiers" }).getByRole("row", { name: /Bronze/ })).toContainText("rewards ×105%");
});

test("a teammate assigns a manager and a tier from the partner's page", async ({ page }) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.goto("/vendor/partners");
  await page.getByRole("link", { name: "Lakeside IT" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Lakeside IT");
  await hydrated(page);
  const manage = page.getByRole("region", { name: "Manage" });
  await manage.getByLabel("Partner manager").selectOption({ label: "Olivia Owner" });
  await manage.getByRole("button", { name: "Assign" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Updated 1 partner." })).toBeVisible();
  await expect(page.getByRole("region", { name: "Partnership" })).toContainText("Olivia Owner");
  await expect(page.getByRole("table", { name: "History" })).toContainText("Partner manager changed");
});

test("a teammate invites a partner, who signs up from the link and starts active", async ({ page, openPage }) => {
  const email = `ivy-${unique()}@ivy.example`;
  const team = `Ivy Digital ${unique()}`;
  await signIn(page, "manager@acme.example");
  await page.getByRole("link", { name: "Applications" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Applications");
  await hydrated(page);
  await page.getByLabel("Partner's email").fill(email);
  await page.getByLabel("Group", { exact: true }).selectOption({ label: "Resellers" });
  await page.getByRole("button", { name: "Invite partner" }).click();
  const link = await page.getByLabel("Invite link").inputValue();
  expect(link).toContain("/join/acme-partner-program?invite=");
  await expect(page.getByRole("table", { name: "Pending invites" })).toContainText(email);

  const visitor = await openPage();
  await visitor.goto(link);
  await hydrated(visitor);
  await expect(visitor.getByText(`This invite is for ${email}.`)).toBeVisible();
  await expect(visitor.getByLabel("Email")).toHaveValue(email);
  await visitor.getByLabel("Your name").fill("Ivy Ives");
  await visitor.getByLabel("Password").fill("a-long-enough-password");
  await visitor.getByLabel("Company or team name").fill(team);
  await visitor.getByRole("button", { name: "Accept invite" }).click();
  await expect(visitor).toHaveURL(/\/partner$/);
  await expect(visitor.getByRole("heading", { level: 1 })).toHaveText(`${team} dashboard`);
  await expect(visitor.locator(".badge")).toHaveText("active");
  // The invite's group, not the program's default.
  await expect(visitor.getByRole("definition").filter({ hasText: "Resellers" })).toBeVisible();

  // The new owner completes the team's profile, which the vendor sees.
  await visitor.goto("/partner/team");
  await hydrated(visitor);
  const profile = visitor.getByRole("region", { name: "Team profile" });
  await profile.getByLabel("Partner type").selectOption({ label: "MSP" });
  await profile.getByLabel("Website (optional)").fill("https://ivy.example");
  await profile.getByRole("button", { name: "Save profile" }).click();
  await expect(visitor.getByRole("status").filter({ hasText: "Team profile saved." })).toBeVisible();
  await page.goto("/vendor/partners");
  await page.getByRole("link", { name: team }).click();
  await expect(page.getByRole("region", { name: "Partnership" })).toContainText("https://ivy.example");
  await expect(page.getByText(/^MSP · /)).toBeVisible();

  // The team leaves the program; the vendor sees why in the partner's history.
  await visitor.goto("/partner");
  await hydrated(visitor);
  await visitor.getByText("Leave this program").click();
  await visitor.getByRole("button", { name: "Leave Acme Partner Program" }).click();
  await expect(visitor.getByRole("status").filter({ hasText: "You left the program." })).toBeVisible();
  await expect(visitor.getByText("This partnership has ended.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("table", { name: "History" })).toContainText("Status active → archived (The partner left the program)");
});

test("a partner admin joins a second vendor's program with their team", async ({ page }) => {
  await signIn(page, "admin@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.goto("/join/globex-partners");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Join Globex Partners");
  await hydrated(page);
  await page.getByRole("button", { name: "Join with Northwind Agency" }).click();
  await expect(page).toHaveURL(/\/partner$/);
  await expect(page.getByText("Your application is waiting for Globex to review it.")).toBeVisible();
  await expect(page.getByRole("region", { name: /Acme Partner Program/ })).toHaveCount(0);
  await page.goto("/join/globex-partners");
  await expect(page.getByText("Northwind Agency is already in this program.")).toBeVisible();
});

test("a partner member registers a lead, a teammate converts it, and the partner sees the customer", async ({ page, openPage }) => {
  const company = `Prospect ${unique()}`;
  await signIn(page, "member@northwind.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.getByRole("link", { name: "Leads" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Leads");
  await hydrated(page);
  await page.getByLabel("Company", { exact: true }).fill(company);
  await page.getByLabel("Contact name").fill("Ann Buyer");
  await page.getByLabel("Contact email").fill(`ann@${company.toLowerCase().replace(/\s+/g, "-")}.example`);
  await page.getByRole("button", { name: "Register lead" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Lead registered." })).toBeVisible();
  const mine = page.getByRole("table", { name: "Your leads" });
  await expect(mine.getByRole("row", { name: new RegExp(company) })).toContainText("submitted");

  const manager = await openPage();
  await signIn(manager, "manager@acme.example");
  await expect(manager).toHaveURL(/\/vendor$/);
  await manager.getByRole("link", { name: "Leads" }).click();
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Leads");
  await hydrated(manager);
  const row = () => manager.getByRole("table", { name: "Leads" }).getByRole("row", { name: new RegExp(company) });
  await row().getByRole("button", { name: `Accept ${company}` }).click();
  await expect(row()).toContainText("accepted");
  await row().getByRole("button", { name: `Convert to customer ${company}` }).click();
  await expect(row()).toContainText("converted");

  await page.getByRole("link", { name: "Customers" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Customers");
  const customer = page.getByRole("table", { name: "Customers" }).getByRole("row", { name: new RegExp(company) });
  await expect(customer).toContainText("a•••@");
  await expect(customer).toContainText("lead");

  // The vendor sees the same customer, its full email and the partner it is attributed to.
  await manager.getByRole("link", { name: "Customers" }).click();
  await expect(manager.getByRole("heading", { level: 1 })).toHaveText("Customers");
  await manager.getByLabel("Name, email or domain").fill(company);
  await manager.getByRole("button", { name: "Search" }).click();
  const vendorRow = manager.getByRole("table", { name: "Customers" }).getByRole("row", { name: new RegExp(company) });
  await expect(vendorRow).toContainText("Northwind Agency");
  await expect(vendorRow).toContainText("ann@");
});

test("a teammate passes a lead, the partner declines it with a reason, and it goes to Lakeside", async ({ page, openPage }) => {
  const company = `Handoff ${unique()}`;
  await signIn(page, "manager@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.goto("/vendor/partners");
  await page.getByRole("link", { name: "Northwind Agency" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Northwind Agency");
  await hydrated(page);
  const pass = page.getByRole("region", { name: "Pass a lead" });
  await pass.getByLabel("Company", { exact: true }).fill(company);
  await pass.getByLabel("Contact email").fill("buyer@handoff.example");
  await pass.getByRole("button", { name: "Pass lead" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Lead passed." })).toBeVisible();

  const partner = await openPage();
  await signIn(partner, "owner@northwind.example");
  await expect(partner).toHaveURL(/\/partner$/);
  await partner.getByRole("link", { name: "Leads" }).click();
  await hydrated(partner);
  await partner.getByLabel(`Reason for declining ${company}`).fill("Outside our region");
  await partner.getByRole("button", { name: `Decline ${company}` }).click();
  await expect(partner.getByRole("table", { name: "Your team's leads" }).getByRole("row", { name: new RegExp(company) })).toContainText("declined");

  await page.getByRole("link", { name: "Leads" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Leads");
  await hydrated(page);
  const row = () => page.getByRole("table", { name: "Leads" }).getByRole("row", { name: new RegExp(company) });
  await expect(row()).toContainText("Northwind Agency declined: Outside our region");
  await page.getByLabel(`Partner key to pass ${company} to`).fill("lakeside-2c9d");
  await page.getByRole("button", { name: `Pass ${company} again` }).click();
  await expect(row()).toContainText("Passed to Lakeside IT");
  await expect(row()).toContainText("passed");
});
