import { test, expect, signIn, hydrated } from "./fixtures";

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

test("a partner imports leads from a CSV file: a bad row blocks the import until it is fixed", async ({ page }) => {
  const id = unique();
  await signIn(page, "owner@lakeside.example");
  await expect(page).toHaveURL(/\/partner$/);
  await page.getByRole("link", { name: "Leads" }).click();
  await hydrated(page);
  const card = page.getByRole("region", { name: "Import leads from CSV" });
  const bad = `company,email,contact_name\nImported A ${id},a@imported-a-${id}.example,Ann\n,not-an-email,Bob\n`;
  await card.getByLabel("Choose a CSV file").setInputFiles({ name: "leads.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await expect(card.getByLabel("CSV contents")).toHaveValue(bad);
  await card.getByRole("button", { name: "Preview import" }).click();
  await expect(card.getByRole("status").filter({ hasText: "1 of 2 rows need fixing" })).toBeVisible();
  const preview = card.getByRole("table", { name: "Import preview" });
  await expect(preview.getByRole("row").nth(2)).toContainText("Enter the company's name");
  await expect(card.getByRole("button", { name: /^Import \d+ lead/ })).toHaveCount(0);

  // Fixed in the text area, previewed again, then imported at once.
  const good = `company,email,contact_name\nImported A ${id},a@imported-a-${id}.example,Ann\nImported B ${id},b@imported-b-${id}.example,Bob\n`;
  await card.getByLabel("CSV contents").fill(good);
  await card.getByRole("button", { name: "Preview import" }).click();
  await expect(card.getByRole("status").filter({ hasText: "2 rows are ready to import." })).toBeVisible();
  await card.getByRole("button", { name: "Import 2 leads" }).click();
  await expect(page.getByRole("status").filter({ hasText: "2 leads imported." })).toBeVisible();
  const leads = page.getByRole("table", { name: "Your team's leads" });
  await expect(leads.getByRole("row", { name: new RegExp(`Imported A ${id}`) })).toContainText("submitted");
  await expect(leads.getByRole("row", { name: new RegExp(`Imported B ${id}`) })).toContainText("submitted");
});

test.describe("lead fields", () => {
  // The partner's first try has a non-number answer: the server answers 400, which Chromium logs.
  test.use({ allowedHttpErrors: [400] });

  test("a teammate adds a lead field to a group and the partner answers it when registering", async ({ page, openPage }) => {
    const question = `Seats ${unique()}`;
    await signIn(page, "owner@acme.example");
    await expect(page).toHaveURL(/\/vendor$/);
    await page.getByRole("link", { name: "Structure" }).click();
    await hydrated(page);
    const fields = page.getByRole("region", { name: "Lead fields" });
    await fields.getByLabel("Group", { exact: true }).selectOption({ label: "Resellers" });
    await fields.getByLabel("Question").fill(question);
    await fields.getByLabel("Answer", { exact: true }).selectOption({ label: "Number" });
    await fields.getByRole("button", { name: "Add field" }).click();
    await expect(fields).toContainText(`${question} (number)`);

    const partner = await openPage();
    await signIn(partner, "owner@lakeside.example");
    await partner.getByRole("link", { name: "Leads" }).click();
    await hydrated(partner);
    const company = `Fielded ${unique()}`;
    const form = partner.getByRole("region", { name: "Register a lead" });
    await form.getByLabel("Company", { exact: true }).fill(company);
    await form.getByLabel("Contact email").fill(`buyer@${company.toLowerCase().replace(/\s+/g, "-")}.example`);
    await form.getByLabel(`${question} (optional)`).fill("many");
    await form.getByRole("button", { name: "Register lead" }).click();
    await expect(form.getByText(`${question} must be a number`)).toBeVisible();
    await form.getByLabel(`${question} (optional)`).fill("40");
    await form.getByRole("button", { name: "Register lead" }).click();
    await expect(partner.getByRole("status").filter({ hasText: "Lead registered." })).toBeVisible();
    await expect(partner.getByRole("table", { name: "Your team's leads" }).getByRole("row", { name: new RegExp(company) })).toContainText(
      `${question}: 40`,
    );

    // The vendor reads the answer on the lead; the field can be removed again.
    await page.goto("/vendor/leads");
    await expect(page.getByRole("table", { name: "Leads" }).getByRole("row", { name: new RegExp(company) })).toContainText(`${question}: 40`);
    await page.goto("/vendor/structure");
    await hydrated(page);
    await page.getByRole("button", { name: `Remove ${question} from Resellers` }).click();
    await expect(page.getByRole("region", { name: "Lead fields" })).not.toContainText(question);
  });
});

test("a teammate finds partners by country to pass a lead to", async ({ page }) => {
  await signIn(page, "manager@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.getByRole("link", { name: "Leads" }).click();
  await hydrated(page);
  const card = page.getByRole("region", { name: "Find a partner to pass a lead to" });
  await card.getByLabel("Country (2 letters)").fill("GB");
  await card.getByRole("button", { name: "Find partners" }).click();
  await expect(page).toHaveURL(/suggest=1/);
  const found = page.getByRole("table", { name: "Suggested partners" });
  await expect(found.getByRole("row", { name: /Lakeside IT/ })).toContainText("lakeside-2c9d");
  await expect(found.getByRole("row", { name: /Northwind Agency/ })).toHaveCount(0);
});
