import { test, expect, signIn, hydrated } from "./fixtures";

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
