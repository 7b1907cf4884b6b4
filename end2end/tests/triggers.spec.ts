import { test, expect, createApiKey, expectOneH1, hydrated, receivedBy, signIn } from "./fixtures";

// The form's refusal of a bad amount is a 400 the browser logs.
test.use({ allowedHttpErrors: [400] });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

test("a teammate builds a trigger, dry-runs it, and an API transaction tags and emails the partner", async ({
  page,
  request,
}) => {
  const tag = `VIP ${unique()}`;
  const name = `Big sales ${unique()}`;
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);

  // The demo's trigger and its run history.
  await page.getByRole("link", { name: "Triggers" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Triggers");
  await expectOneH1(page);
  const demo = page.getByRole("row", { name: /Welcome approved partners/ });
  await expect(demo).toContainText("When a partner was approved: email the partner");
  await expect(demo).toContainText("On");
  await demo.getByRole("link", { name: "Welcome approved partners" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome approved partners");
  const log = page.getByRole("table", { name: "Run log" });
  await expect(log.getByRole("row", { name: /Northwind Agency/ })).toContainText("Ran");
  await expect(log.getByRole("row", { name: /Lakeside IT/ })).toContainText("Welcome to Acme Partner Program, Lakeside IT");

  // A tag for the trigger, and a key for the billing system.
  await page.goto("/vendor/structure");
  await hydrated(page);
  await page.getByLabel("New tag name").fill(tag);
  await page.getByRole("button", { name: "Add tag" }).click();
  await expect(page.getByRole("list", { name: "Tags" })).toContainText(tag);
  const key = await createApiKey(page, `Billing ${unique()}`);
  const pay = async (amount: number) => {
    const invoice = `inv_${unique()}`;
    const sent = await request.post("/api/v1/transactions", {
      headers: { Authorization: `Bearer ${key}` },
      data: { customer_key: "cus_1001", amount, currency: "USD", transaction_key: invoice },
    });
    expect(sent.status()).toBe(201);
  };
  // A big sale before the trigger exists: the dry run finds it.
  await pay(120000);

  await page.goto("/vendor/triggers");
  await hydrated(page);
  await page.getByRole("link", { name: "New trigger" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("New trigger");
  await hydrated(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("When").selectOption({ label: "A transaction was recorded" });
  await page.getByLabel("Amount at least").fill("abc");
  await page.getByLabel("Add tag").selectOption({ label: tag });
  await page.getByLabel("Email subject").fill("You are a VIP now, {partner}");
  await page.getByLabel("Email text").fill("Thanks for a sale of {amount}.");
  await page.getByRole("button", { name: "Dry run" }).click();
  await expect(page.getByText('"abc" is not an amount').first()).toBeVisible();
  await page.getByLabel("Amount at least").fill("1000");
  await page.getByRole("button", { name: "Dry run" }).click();
  const dry = page.getByRole("table", { name: "Dry run" });
  await expect(page.getByRole("status").filter({ hasText: /it would have run for [1-9]\d* of/ })).toBeVisible();
  await expect(dry.getByRole("row", { name: /\$1,200\.00/ }).first()).toContainText(
    `Add tag ${tag}; Email Northwind Agency: “You are a VIP now, Northwind Agency”`,
  );
  // Run again, it shows its answer again (the last one does not stand in for a status line).
  await page.getByRole("button", { name: "Dry run" }).click();
  await expect(dry.getByRole("row", { name: /\$1,200\.00/ }).first()).toContainText(`Add tag ${tag}`);
  // Nothing was saved.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("New trigger");

  await page.getByRole("button", { name: "Save trigger" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await expect(page).toHaveURL(/\/vendor\/triggers\/\d+/);
  await expect(page.getByRole("table", { name: "Run log" })).toContainText("No runs yet");

  // A transaction of $1,500 through the API fires it.
  await pay(150000);
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.getByRole("table", { name: "Run log" }).innerText();
      },
      { timeout: 15_000 },
    )
    .toContain("Ran");
  await expect(page.getByRole("table", { name: "Run log" })).toContainText(`Add tag ${tag}`);

  // The partner has the tag, and its owner the email.
  await page.goto("/vendor/partners");
  await expect(page.getByRole("row", { name: /Northwind Agency/ })).toContainText(tag);
  const mail = await receivedBy(request, "owner@northwind.example", "You are a VIP now, Northwind Agency");
  expect(mail.text).toContain("Thanks for a sale of $1,500.00.");

  // Turned off, it shows so in the list.
  await page.goto("/vendor/triggers");
  await hydrated(page);
  await page.getByRole("button", { name: `Disable ${name}` }).click();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Off");
  await expect(page.getByRole("button", { name: `Enable ${name}` })).toBeVisible();
});
