/**
 * The SPA in a real headless Chromium against the real backend and a throw-away PostgreSQL:
 * add, complete, reload (persisted), delete, and errors shown to the user.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { startTestApp, type TestApp } from "../../backend/test/helpers";
import { sharedPostgres, type PgServer } from "../../backend/test/pg-harness";
import { distDir, ensureBuilt } from "./build";
import { serveDist, type StaticServer } from "./static-server";
import { requireDebianPackage } from "../../../../tests/support/debian";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("todo frontend: end to end in headless Chromium", function () {
  this.timeout(30_000);
  let pg: PgServer;
  let backend: TestApp;
  let web: StaticServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  before(async function () {
    this.timeout(120_000);
    requireDebianPackage(this, "chromium");
    requireDebianPackage(this, "postgresql");
    ensureBuilt();
    pg = await sharedPostgres();
    backend = await startTestApp(pg, await pg.createDatabase("e2e"));
    web = await serveDist(distDir, backend.url);
    profile = fs.mkdtempSync(path.join(os.tmpdir(), "todo-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await web?.close();
    await backend?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  const titles = async () => (await backend.pool.query("SELECT title, completed FROM todos ORDER BY id")).rows;
  const item = (title: string) => page.locator("li", { has: page.locator(".title", { hasText: new RegExp(`^${title}$`) }) });
  const waitApi = (method: string, pathRe: RegExp) =>
    page.waitForResponse((r) => r.request().method() === method && pathRe.test(new URL(r.url()).pathname));

  async function add(title: string) {
    await page.getByLabel("New todo").fill(title);
    const response = waitApi("POST", /^\/api\/todos$/);
    await page.getByRole("button", { name: "Add" }).click();
    return response;
  }

  it("starts empty, adds todos, completes one, and after a reload sees them persisted", async () => {
    await page.goto(web.url);
    await page.getByTestId("empty").waitFor();

    assert.equal((await add("Buy milk")).status(), 201);
    await item("Buy milk").waitFor();
    assert.equal(await page.getByLabel("New todo").inputValue(), "");
    assert.equal((await add("Walk the dog")).status(), 201);
    await item("Walk the dog").waitFor();

    const patched = waitApi("PATCH", /^\/api\/todos\/\d+$/);
    // The checkbox reflects the server: it changes once the PATCH has succeeded.
    await item("Buy milk").getByRole("checkbox").click();
    assert.equal((await patched).status(), 200);
    await page.locator("li.done", { hasText: "Buy milk" }).waitFor();
    await page.getByText("1 open, 1 done").waitFor();

    await page.reload();
    await page.locator("li.done", { hasText: "Buy milk" }).waitFor();
    assert.equal(await item("Buy milk").getByRole("checkbox").isChecked(), true);
    assert.equal(await item("Walk the dog").getByRole("checkbox").isChecked(), false);
    assert.deepEqual(await titles(), [
      { title: "Buy milk", completed: true },
      { title: "Walk the dog", completed: false },
    ]);
    assert.ok(web.forwarded.includes("GET /todos"), "the SPA calls the backend under /api");
  });

  it("deletes a todo, and it stays deleted after a reload", async () => {
    const deleted = waitApi("DELETE", /^\/api\/todos\/\d+$/);
    await page.getByRole("button", { name: "Delete Walk the dog" }).click();
    assert.equal((await deleted).status(), 204);
    await item("Walk the dog").waitFor({ state: "detached" });
    await page.reload();
    await item("Buy milk").waitFor();
    assert.equal(await item("Walk the dog").count(), 0);
    assert.deepEqual(await titles(), [{ title: "Buy milk", completed: true }]);
  });

  it("shows the backend's message when the title is rejected, and changes nothing", async () => {
    const res = await add("   ");
    assert.equal(res.status(), 400);
    await page.getByRole("alert").filter({ hasText: '"title" must not be empty' }).waitFor();
    assert.deepEqual(await titles(), [{ title: "Buy milk", completed: true }]);
    await page.getByRole("button", { name: "Dismiss error" }).click();
    await page.getByRole("alert").waitFor({ state: "detached" });
  });

  it("shows an error while the database is down, and works again once it is back", async () => {
    await pg.stop();
    try {
      const res = await add("while down");
      assert.equal(res.status(), 503);
      await page.getByRole("alert").filter({ hasText: "database unavailable" }).waitFor();
      assert.equal(await item("while down").count(), 0);
    } finally {
      await pg.start();
    }
    assert.equal((await add("after recovery")).status(), 201);
    await item("after recovery").waitFor();
    await page.getByRole("alert").waitFor({ state: "detached" });
    assert.deepEqual(await titles(), [
      { title: "Buy milk", completed: true },
      { title: "after recovery", completed: false },
    ]);
  });

  it("serves the app for deep links (SPA fallback)", async () => {
    await page.goto(`${web.url}/some/deep/link`);
    await item("Buy milk").waitFor();
  });
});
