import { test, expect, expectOneH1, hydrated, receivedBy, signIn } from "./fixtures";

// The preview's refusal of an unknown placeholder is a 400 the browser logs.
test.use({ allowedHttpErrors: [400] });

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

test("a teammate rewords the lead-passed email, previews it, and Northwind gets it that way", async ({
  page,
  request,
}) => {
  const company = `Worded ${unique()}`;
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);

  await page.goto("/vendor/program");
  await page.getByRole("link", { name: "Email templates" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Email templates");
  await expectOneH1(page);
  const templates = page.getByRole("table", { name: "Email templates" });
  const row = templates.getByRole("row", { name: /Lead passed/ });
  await expect(row).toContainText("The portal's");
  await row.getByRole("link", { name: "Lead passed" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Lead passed" })).toBeVisible();
  await hydrated(page);

  // The default wording, previewed with sample values.
  const preview = page.getByRole("region", { name: "Preview" });
  await expect(preview).toContainText("A lead for you: Coho Winery");

  // A typo in a placeholder: the preview says which names the email can use.
  await page.getByLabel("Subject", { exact: true }).fill("Fresh lead from {{ program }}: {{ company }}");
  await page.getByLabel("Text", { exact: true }).fill("{{ compnay }} wants to talk.");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(preview.getByRole("alert")).toContainText(
    "Unknown placeholder {{ compnay }}: this email can use {{ program }}, {{ company }}",
  );

  await page.getByLabel("Text", { exact: true }).fill("{{ company }} wants to talk.\n\nThe Acme partner team");
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(preview).toContainText("Fresh lead from Acme Partner Program: Coho Winery");
  await expect(preview).toContainText("Coho Winery wants to talk.");

  await page.getByRole("button", { name: "Save template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved. New emails use this wording." })).toBeVisible();
  await expect(templates.getByRole("row", { name: /Lead passed/ })).toContainText("Your own, saved");

  // Passing Northwind a lead now sends the program's wording.
  await page.goto("/vendor/partners");
  await page.getByRole("link", { name: "Northwind Agency" }).click();
  await hydrated(page);
  const pass = page.getByRole("region", { name: "Pass a lead" });
  await pass.getByLabel("Company", { exact: true }).fill(company);
  await pass.getByLabel("Contact email").fill("buyer@worded.example");
  await pass.getByRole("button", { name: "Pass lead" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Lead passed." })).toBeVisible();
  const mail = await receivedBy(request, "owner@northwind.example", `Fresh lead from Acme Partner Program: ${company}`);
  expect(mail.text).toContain(`${company} wants to talk.`);
  expect(mail.html).toContain(`${company} wants to talk.`);

  // Back to the portal's wording.
  await page.goto("/vendor/emails/templates?kind=lead_passed");
  await hydrated(page);
  await page.getByRole("button", { name: "Reset to the portal's wording" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Back to the portal's wording." })).toBeVisible();
  await expect(page.getByRole("table", { name: "Email templates" }).getByRole("row", { name: /Lead passed/ })).toContainText(
    "The portal's",
  );
  await expect(page.getByLabel("Subject", { exact: true })).toHaveValue("A lead for you: {{ company }}");
});
