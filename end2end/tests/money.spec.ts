import { test, expect, signIn, hydrated, expectOneH1, createApiKey } from "./fixtures";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

// The whole money path: an offer, an API key, a transaction through the API, the partner's
// pending reward and its explanation, the hold passing (test clock), cashout, payment, and a
// refund that claws back and blocks the next cashout.
test.describe("money", () => {
  // The refused cashout answers 400, which Chromium logs.
  test.use({ allowedHttpErrors: [400] });

  test("an API transaction earns a held reward that is cashed out, paid and clawed back", async ({ page: ownerPage, openPage, request }) => {
    let page = ownerPage;
    test.setTimeout(120_000);
    const offer = `Agencies 20% ${unique()}`;
    await signIn(page, "owner@acme.example");
    await expect(page).toHaveURL(/\/vendor$/);
    await page.getByRole("link", { name: "Offers" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Offers");
    await expectOneH1(page);
    await hydrated(page);
    const create = page.getByRole("region", { name: "Create an offer" });
    await create.getByLabel("Offer name").fill(offer);
    await create.getByLabel("Pays when").selectOption({ label: "A transaction is recorded" });
    await create.getByLabel("Percentage of the amount").check();
    await create.getByLabel("Percentage or amount").fill("120");
    await create.getByLabel("Who earns it").selectOption({ label: "Group: Agencies" });
    await create.getByRole("button", { name: "Create offer" }).click();
    await expect(create.getByText("A percentage is above 0 and at most 100")).toBeVisible();
    await create.getByLabel("Percentage or amount").fill("20");
    await create.getByRole("button", { name: "Create offer" }).click();
    const card = page.getByRole("region", { name: offer });
    await expect(card).toContainText("20% of each transaction");
    // The form empties once the offer exists, so a second click makes no duplicate.
    await expect(page.getByRole("status").filter({ hasText: "Offer created." })).toBeVisible();
    await expect(create.getByLabel("Offer name")).toHaveValue("");
    await expect(card.getByRole("table", { name: `Versions of ${offer}` })).toContainText("Group: Agencies");

    // A key for the billing system, shown once.
    const key = await createApiKey(page, `Billing ${unique()}`);

    const invoice = `inv_${unique()}`;
    const sent = await request.post("/api/v1/transactions", {
      headers: { Authorization: `Bearer ${key}`, "Idempotency-Key": invoice },
      data: { customer_key: "cus_1001", amount: 50000, currency: "USD", transaction_key: invoice },
    });
    expect(sent.status()).toBe(201);

    // Northwind's owner sees the pending $100 and why.
    const partner = await openPage();
    const partnerErrors: string[] = [];
    partner.on("console", (m) => {
      if (m.type() === "error" && !m.text().includes("status of 400")) partnerErrors.push(m.text());
    });
    await signIn(partner, "owner@northwind.example");
    await expect(partner).toHaveURL(/\/partner$/);
    await partner.getByRole("link", { name: "Earnings" }).click();
    await expect(partner.getByRole("heading", { level: 1 })).toHaveText("Earnings");
    await expectOneH1(partner);
    await hydrated(partner);
    const row = partner.getByRole("row").filter({ hasText: offer });
    await expect(row).toContainText("$100.00");
    await expect(row).toContainText("pending");
    await row.getByRole("link").click();
    await expect(partner.getByRole("heading", { level: 1 })).toHaveText(/Reward #\d+: \$100\.00/);
    const why = partner.getByRole("region", { name: "Why did I get this?" });
    await expect(why).toContainText(`Event: transaction ${invoice} of $500.00`);
    await expect(why).toContainText("Customer: Contoso Retail (cus_1001)");
    await expect(why).toContainText("Attribution: Northwind Agency");
    await expect(why).toContainText(`Offer: ${offer} — version 1`);
    await expect(why).toContainText("20% of $500.00 = 100");
    await expect(why).toContainText("Rounded half away from zero to $100.00");

    // The hold passes (the test clock moves 31 days) and the reward becomes available.
    const moved = await request.post("/test/clock", { form: { days: "31" } });
    expect(moved.status()).toBe(200);
    await partner.goto("/partner/earnings");
    await hydrated(partner);
    await expect(partner.getByRole("row").filter({ hasText: offer })).toContainText("available");

    // Payout details, then cashout empties the balance.
    await partner.goto("/profile");
    await hydrated(partner);
    const details = partner.getByRole("region", { name: "Payout details" });
    await details.getByLabel("Method").selectOption({ label: "PayPal" });
    await details.getByLabel("Account (IBAN or email)").fill("payouts@northwind.example");
    await details.getByLabel("Your password").fill("partner-portal-demo");
    // The select already reads "PayPal": wait for the save itself before leaving the page.
    const saved = partner.waitForResponse((r) => r.url().endsWith("/api/set_payout_details") && r.ok());
    await details.getByRole("button", { name: "Save payout details" }).click();
    await saved;
    // An account email is masked to its domain ("mple" of ".example" told nobody anything).
    await expect(details).toContainText("PayPal: ••••@northwind.example");
    await partner.goto("/partner/earnings");
    await hydrated(partner);
    await partner.getByRole("button", { name: "Cash out" }).click();
    await expect(partner.getByRole("status").filter({ hasText: /Payout #\d+ requested\./ })).toBeVisible();
    const balance = partner.getByRole("article", { name: "Available balance" });
    await expect(balance).toContainText("$0.00");
    const payoutText = await partner.getByRole("status").filter({ hasText: /Payout #\d+ requested\./ }).innerText();
    const payoutId = payoutText.match(/#(\d+)/)![1];

    // Finance processes and pays it.
    page = await openPage();
    await signIn(page, "finance@acme.example");
    await expect(page).toHaveURL(/\/vendor$/);
    await page.getByRole("link", { name: "Payouts" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Payouts");
    await hydrated(page);
    await page.getByRole("button", { name: `Start processing payout ${payoutId}` }).click();
    const payoutRow = (p: typeof page) =>
      p.getByRole("row").filter({ has: p.getByRole("cell", { name: `#${payoutId}`, exact: true }) });
    const paid = payoutRow(page);
    await expect(paid).toContainText("processing");
    await paid.locator("summary", { hasText: "Mark paid" }).click();
    await paid.getByLabel("Payment reference").fill("ACH-E2E-1");
    await paid.getByRole("button", { name: `Mark paid payout ${payoutId}` }).click();
    await expect(payoutRow(page)).toContainText("Reference ACH-E2E-1");

    await partner.goto("/partner/earnings");
    await hydrated(partner);
    const history = payoutRow(partner);
    await expect(history).toContainText("paid");
    await expect(history).toContainText("Reference ACH-E2E-1");

    // A $250 refund claws back $50: the balance goes negative and blocks cashout.
    const refund = await request.post("/api/v1/transactions", {
      headers: { Authorization: `Bearer ${key}` },
      data: { customer_key: "cus_1001", amount: -25000, currency: "USD", transaction_key: `ref_${invoice}`, refunds: invoice },
    });
    expect(refund.status()).toBe(201);
    await partner.goto("/partner/earnings");
    await hydrated(partner);
    await expect(partner.getByRole("row").filter({ hasText: `Clawback: ${offer}` })).toContainText("-$50.00");
    await expect(partner.getByRole("article", { name: "Available balance" })).toContainText("-$50.00");
    await expect(partner.getByText("Your balance is negative after a refund")).toBeVisible();
    await partner.getByRole("button", { name: "Cash out" }).click();
    await expect(partner.getByRole("alert")).toContainText("negative");
    expect(partnerErrors).toEqual([]);
  });
});
