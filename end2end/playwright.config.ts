import { defineConfig } from "@playwright/test";

// Runs against a portal that is already serving (the README's test command starts the release
// build on a free port with a fresh database and passes its URL as BASE_URL).
export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  globalSetup: "./global-setup.ts",
  // Flows that add partners and teammates run after the checks that count the seeded ones.
  projects: [
    { name: "seeded", testMatch: /(auth|dashboards|assets|layout)\.spec\.ts/ },
    { name: "changes", testMatch: /(people|structure|deals|lead_tools)\.spec\.ts/, dependencies: ["seeded"] },
    // The money flow empties and refunds Northwind's balance, which the dashboards count.
    { name: "money", testMatch: /money\.spec\.ts/, dependencies: ["changes"] },
    // Program-wide settings change what the flows above see, so they go last; finance's tools
    // use Lakeside, which the settings flow does not look at.
    { name: "settings", testMatch: /(program_settings|money_tools)\.spec\.ts/, dependencies: ["money"] },
    // The tier promotion changes what Northwind earns from then on.
    { name: "tiers", testMatch: /tiers\.spec\.ts/, dependencies: ["settings"] },
    // Points the program's links at the test's own landing page.
    { name: "links", testMatch: /links\.spec\.ts/, dependencies: ["tiers"] },
    // Adds an Initech contact to Lakeside and a new company: nothing after it counts them.
    { name: "trust", testMatch: /trust\.spec\.ts/, dependencies: ["links"] },
    // Invites teammates and makes the mail server refuse a message.
    { name: "emails", testMatch: /emails\.spec\.ts/, dependencies: ["trust"] },
    // Adds a trigger on transactions: every later payment of the program runs it.
    { name: "triggers", testMatch: /triggers\.spec\.ts/, dependencies: ["emails"] },
    // Pays through the API (the money flow's offer rewards it) and watches the webhooks.
    { name: "webhooks", testMatch: /webhooks\.spec\.ts/, dependencies: ["triggers"] },
    // Passes Northwind a lead and marks its owner's notifications read.
    { name: "notifications", testMatch: /notifications\.spec\.ts/, dependencies: ["webhooks"] },
    // Rewords the program's lead-passed email (and resets it), which the bell's flow reads.
    { name: "templates", testMatch: /email_templates\.spec\.ts/, dependencies: ["notifications"] },
    // The forms that work before hydration, with JavaScript off in the whole browser.
    { name: "no-js", testMatch: /nojs\.spec\.ts/, dependencies: ["templates"], use: { javaScriptEnabled: false } },
  ],
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    browserName: "chromium",
    trace: "retain-on-failure",
    launchOptions: {
      // Debian's Chromium: Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});
