import { test, expect, signIn, hydrated, expectOneH1 } from "./fixtures";

// Runs after the other flows: it changes what every partner of the Acme program sees.
test("a vendor shows partners their customers' emails in full, then masks them again", async ({ page, openPage }) => {
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Settings" }).click();
  await hydrated(page);
  const setEmails = async (label: string) => {
    await page.getByLabel("Customer emails partners see").selectOption({ label });
    const saved = page.waitForResponse((r) => r.url().endsWith("/api/save_program") && r.ok());
    await page.getByRole("button", { name: "Save settings" }).click();
    await saved;
    await expect(page.getByRole("status").filter({ hasText: /Saved/ })).toBeVisible();
  };
  await expect(page.getByLabel("Deal protection (days after approval)")).toHaveValue("90");
  await setEmails("In full");

  const partner = await openPage();
  await signIn(partner, "owner@northwind.example");
  await expect(partner).toHaveURL(/\/partner$/);
  await partner.goto("/partner/customers");
  const contoso = partner.getByRole("table", { name: "Customers" }).getByRole("row", { name: /Contoso Retail/ });
  await expect(contoso).toContainText("billing@contoso.example");

  await setEmails("Masked (j•••@example.com)");
  await partner.reload();
  await expect(contoso).not.toContainText("billing@contoso.example");
  await expect(contoso).toContainText("b•••@");
});

test.describe("company settings", () => {
  // A colour that is none is refused with 400.
  test.use({ allowedHttpErrors: [400] });

  test("a vendor brands its partners' pages with a colour and a help address", async ({ page, openPage }) => {
    await signIn(page, "owner@acme.example");
    await expect(page).toHaveURL(/\/vendor$/);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("link", { name: "Company settings" }).click();
    await expect(page).toHaveURL(/\/vendor\/company$/);
    await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Company settings");
    await expectOneH1(page);
    await expect(page.getByLabel("Company name")).toHaveValue("Acme Analytics");
    await page.getByLabel("Brand colour").fill("purple");
    await page.getByRole("button", { name: "Save company settings" }).click();
    await expect(page.getByLabel("Brand colour")).toHaveAccessibleDescription(/six hexadecimal digits/);
    await page.getByLabel("Brand colour").fill("#6D28D9");
    await page.getByLabel("Support email").fill("partners@acme.example");
    await page.getByRole("button", { name: "Save company settings" }).click();
    await expect(page.getByText("Company settings saved.")).toBeVisible();
    await expect(page.getByLabel("Brand colour")).toHaveValue("#6d28d9");

    // Acme's partners see the colour on their pages and write to the address for help.
    const partner = await openPage();
    await signIn(partner, "owner@northwind.example");
    await expect(partner).toHaveURL(/\/partner$/);
    await expect(partner.getByRole("link", { name: "Help from Acme Analytics" })).toHaveAttribute(
      "href",
      "mailto:partners@acme.example",
    );
    const stripe = await partner.locator("header.topbar").evaluate((e) => getComputedStyle(e).borderTopColor);
    expect(stripe).toBe("rgb(109, 40, 217)");
  });
});
