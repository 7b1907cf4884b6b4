import { test, expect, createApiKey, expectOneH1, hydrated, signIn } from "./fixtures";
import type { APIRequestContext, Page } from "@playwright/test";

// The real receiver the README's test command starts (end2end/webhook-receiver.mjs): it
// verifies each message with the Standard Webhooks reference library.
const RECEIVER = process.env.WEBHOOK_RECEIVER_URL ?? "http://127.0.0.1:1081";

type Hooked = { id: string; body: string; signature: string; verified_with: number[] };

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function configure(request: APIRequestContext, name: string, secret: string, status: number) {
  const res = await request.put(`${RECEIVER}/control/${name}`, { data: { secrets: [secret], status } });
  expect(res.ok()).toBe(true);
}

async function received(request: APIRequestContext, name: string): Promise<Hooked[]> {
  return (await request.get(`${RECEIVER}/control/received?name=${name}`)).json();
}

/** Adds an endpoint from the list page, opens it and reveals its secret. */
async function addEndpoint(page: Page, name: string, events: string[]): Promise<string> {
  await page.goto("/vendor/webhooks");
  await hydrated(page);
  await page.getByLabel("Endpoint URL").fill(`${RECEIVER}/hooks/${name}`);
  await page.getByLabel("Description (optional)").fill(`Sync ${name}`);
  for (const event of events) await page.getByRole("checkbox", { name: event }).check();
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Webhook endpoint");
  await expect(page.getByTestId("endpoint-status")).toHaveText("On");
  await hydrated(page);
  await page.getByRole("button", { name: "Reveal secret" }).click();
  const secret = page.getByRole("textbox", { name: "Signing secret" });
  await expect(secret).toHaveValue(/^whsec_/);
  return secret.inputValue();
}

test("an endpoint receives a signed reward; a failing one is retried and a replay delivers", async ({
  page,
  request,
}) => {
  test.setTimeout(90_000);
  await signIn(page, "owner@acme.example");
  await expect(page).toHaveURL(/\/vendor$/);
  await page.goto("/vendor/program");
  await page.getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Webhooks");
  await expectOneH1(page);

  // An endpoint for rewards only.
  const crm = `crm${unique()}`;
  const secret = await addEndpoint(page, crm, ["A reward was created"]);
  await configure(request, crm, secret, 200);

  // A payment through the API: the money flow's 20% offer rewards Northwind for it.
  const key = await createApiKey(page, `Hooks ${unique()}`);
  const sent = await request.post("/api/v1/transactions", {
    headers: { Authorization: `Bearer ${key}` },
    data: { customer_key: "cus_1001", amount: 40000, currency: "USD", transaction_key: `inv_${unique()}` },
  });
  expect(sent.status()).toBe(201);
  await expect.poll(async () => (await received(request, crm)).length, { timeout: 15_000 }).toBeGreaterThan(0);
  const [hook] = await received(request, crm);
  expect(hook.verified_with).toEqual([0]);
  const body = JSON.parse(hook.body);
  expect(body.type).toBe("reward.created");
  expect(body.data.object).toBe("reward");
  expect(hook.id).toBe(`msg_evt_${body.data.event_id}`);

  // The endpoint's log shows it delivered.
  await page.goto("/vendor/webhooks");
  await page.getByRole("link", { name: `${RECEIVER}/hooks/${crm}` }).click();
  const log = page.getByRole("table", { name: "Deliveries" });
  await expect(log.getByRole("row", { name: /reward\.created/ })).toContainText("Delivered");

  // An endpoint whose receiver fails: the test event is retried 5 s later.
  const flaky = `flaky${unique()}`;
  const flakySecret = await addEndpoint(page, flaky, []);
  await configure(request, flaky, flakySecret, 500);
  await page.getByRole("button", { name: "Send test event" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Test event queued" })).toBeVisible();
  const row = log.getByRole("row", { name: /webhook\.test/ });
  // The page checks again by itself while an attempt is due.
  await expect(row).toContainText(/Retrying at .*HTTP 500/, { timeout: 10_000 });
  await expect(row.getByRole("cell").nth(2)).toHaveText("2", { timeout: 15_000 });
  await expect(page.getByTestId("endpoint-status")).toContainText("failing since");
  expect((await received(request, flaky)).length).toBe(2);

  // Mended, a replay delivers the same message.
  await configure(request, flaky, flakySecret, 200);
  await row.getByRole("button", { name: /^Replay webhook\.test/ }).click();
  await expect(log.getByRole("row", { name: /webhook\.test/ }).first()).toContainText("Delivered", {
    timeout: 10_000,
  });
  await expect(page.getByTestId("endpoint-status")).toHaveText("On");
  const got = await received(request, flaky);
  expect(got.length).toBe(3);
  expect(got[2].id).toBe(got[0].id);
  expect(got[2].verified_with).toEqual([0]);
});
