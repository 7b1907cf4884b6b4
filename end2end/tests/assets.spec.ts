import { test, expect, hydrated } from "./fixtures";
import type { Response } from "@playwright/test";

test("the build's files come compressed, named by their content and kept for good", async ({ page }) => {
  const assets: Response[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.startsWith("/pkg/")) assets.push(r);
  });
  await page.goto("/login");
  await hydrated(page);
  const paths = assets.map((r) => new URL(r.url()).pathname);
  expect(new Set(paths.map((p) => p.split(".").pop()))).toEqual(new Set(["css", "js", "wasm"]));
  for (const response of assets) {
    const path = new URL(response.url()).pathname;
    expect(path).toMatch(/^\/pkg\/portal\.[A-Za-z0-9_-]{16,}\.(css|js|wasm)$/);
    const headers = await response.allHeaders();
    // Chromium asks for brotli over HTTPS, for gzip over plain HTTP: either is precompressed.
    expect(["br", "gzip"], path).toContain(headers["content-encoding"]);
    // Only a precompressed file has its length up front (one compressed per request has none).
    expect(headers["content-length"], path).toBeTruthy();
    expect(headers["vary"], path).toBe("accept-encoding");
    expect(headers["cache-control"], path).toBe("public, max-age=31536000, immutable");
  }
  // The page itself is compressed as it goes out, and never cached.
  const html = await page.request.get("/login", { headers: { "accept-encoding": "br" } });
  expect(html.headers()["content-encoding"]).toBe("br");
  expect(html.headers()["cache-control"]).toBe("no-store");
});
