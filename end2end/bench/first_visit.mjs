// What a signed-in page's first visit costs the browser: the bytes of wasm, JS, CSS and HTML it
// transfers with a cold cache (brotli, as the server sends them), and when the page is
// interactive with the CPU throttled 4x. Against a running portal with the demo data:
//   BASE_URL=http://127.0.0.1:3000 node bench/first_visit.mjs [runs]
// It signs in through the API first, so the page measured is the first thing the browser loads.
import { chromium } from "@playwright/test";

const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const runs = Number(process.argv[2] ?? 5);
const pages = [
  ["owner@northwind.example", "/partner"],
  ["owner@acme.example", "/vendor"],
  ["owner@acme.example", "/vendor/deals"],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
for (const [email, path] of pages) {
  const samples = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const signIn = await context.request.post(`${base}/api/login`, {
      form: { email, password: "partner-portal-demo" },
      headers: { Origin: base },
      maxRedirects: 0,
    });
    if (signIn.status() >= 400) throw new Error(`sign-in as ${email} answered ${signIn.status()}`);
    const page = await context.newPage();
    const errors = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.body?.hasAttribute("data-hydrated")) {
          performance.mark("interactive");
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await page.goto(base + path);
    await page.waitForSelector("body[data-hydrated]", { timeout: 60_000 });
    await page.waitForTimeout(300);
    samples.push(
      await page.evaluate(() => {
        const resources = performance.getEntriesByType("resource");
        const bytes = (re) => resources.filter((r) => re.test(new URL(r.name).pathname)).reduce((a, r) => a + r.transferSize, 0);
        return {
          wasm: bytes(/\.wasm$/),
          js: bytes(/\.js$/),
          css: bytes(/\.css$/),
          html: performance.getEntriesByType("navigation")[0].transferSize,
          interactive: Math.round(performance.getEntriesByName("interactive")[0]?.startTime ?? NaN),
        };
      }),
    );
    if (errors.length) throw new Error(`${path}: console errors: ${errors.join(" | ")}`);
    await context.close();
  }
  const last = samples[samples.length - 1];
  const times = samples.map((s) => s.interactive);
  console.log(
    `${path}: wasm ${last.wasm} B + JS ${last.js} B = ${last.wasm + last.js} B (${((last.wasm + last.js) / 1024).toFixed(1)} KiB); ` +
      `CSS ${last.css} B, HTML ${last.html} B; interactive at 4x CPU: median ${median(times)} ms (${Math.min(...times)}–${Math.max(...times)}, ${runs} runs)`,
  );
}
await browser.close();
