import { test as base, expect, type APIRequestContext, type BrowserContextOptions, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "partner-portal-demo";

// Every test fails if the browser logged an error or a page threw, on its own page and on
// every page it opened with `openPage`: a broken hydration shows up here first.
// A test that expects the server to answer with an HTTP error (401 for a wrong password, 403
// for a forbidden page) names those statuses; Chromium logs them, and only them, are let through.
export const test = base.extend<{
  consoleErrors: string[];
  allowedHttpErrors: number[];
  /** A page in a browser context of its own (another person signed in), watched like `page`. */
  openPage: (options?: BrowserContextOptions) => Promise<Page>;
}>({
  allowedHttpErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, allowedHttpErrors }, use) => {
      const errors: string[] = [];
      watchConsole(page, errors, allowedHttpErrors);
      await use(errors);
      expect(errors, "browser console errors").toEqual([]);
    },
    { auto: true },
  ],
  openPage: async ({ browser, consoleErrors, allowedHttpErrors }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (options) => {
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      watchConsole(page, consoleErrors, allowedHttpErrors);
      return page;
    });
    for (const context of contexts) await context.close();
  },
});

function watchConsole(page: Page, errors: string[], allowedHttpErrors: number[]) {
  const expected = (text: string) =>
    allowedHttpErrors.some((status) =>
      text.startsWith(`Failed to load resource: the server responded with a status of ${status} `),
    );
  page.on("console", (msg) => {
    if (msg.type() === "error" && !expected(msg.text())) errors.push(`${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
}

export { expect };

/** Waits until the wasm has hydrated the page (the frontend marks <body> when done). */
export async function hydrated(page: Page) {
  await expect(page.locator("body[data-hydrated='true']")).toHaveCount(1);
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Creates an API key of the signed-in teammate's program on `/vendor/api-keys` (shown once)
 * and returns it. */
export async function createApiKey(page: Page, name: string): Promise<string> {
  await page.goto("/vendor/api-keys");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API keys");
  await hydrated(page);
  await page.getByLabel("Key name").fill(name);
  await page.getByRole("button", { name: "Create key" }).click();
  const keyField = page.getByLabel("New API key");
  await expect(keyField).toHaveValue(/^pp_[a-z0-9]{12}_[0-9a-f]{64}$/);
  // The form empties once the key exists: a second click would make a second key.
  await expect(page.getByLabel("Key name")).toHaveValue("");
  return keyField.inputValue();
}

export async function expectOneH1(page: Page) {
  await expect(page.locator("h1")).toHaveCount(1);
}

// The SMTP server the portal sends to (end2end/smtp-sink.mjs, started by `./dev test`).
export const SINK = process.env.SMTP_SINK_URL ?? "http://127.0.0.1:1080";

export type Received = { id: number; to: string[]; subject: string; text: string; html: string };

/** The newest message the mail server received for `to` whose subject contains `subject`. */
export async function receivedBy(request: APIRequestContext, to: string, subject = ""): Promise<Received> {
  let found: Received | undefined;
  await expect
    .poll(async () => {
      const all: Received[] = await (await request.get(`${SINK}/messages`)).json();
      found = all.filter((m) => m.to.includes(to) && m.subject.includes(subject)).pop();
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

/** The first link in a message's text that contains `path`. */
export function linkIn(message: Received, path: string): string {
  const link = message.text.split(/\s+/).find((word) => word.includes(path));
  expect(link, `a ${path} link in "${message.subject}"`).toBeTruthy();
  return link!;
}
