/**
 * The SPA in a real headless Chromium against the real backend and a throw-away PostgreSQL:
 * add, complete, reload (persisted), delete, and errors shown to the user.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { startTestApp, type TestApp } from "../../backend/test/helpers";
import { sharedPostgres, type PgServer } from "../../backend/test/pg-harness";
import { MESSAGES } from "../src/messages";
import { PAGE_SIZE } from "../src/App";
import { distDir, ensureBuilt } from "./build";
import { serveDist, type StaticServer } from "./static-server";
import { requireDebianPackage } from "../../../../tests/support/debian";
import { tempDir } from "../../../../tests/support/tempDir";

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
        profile = tempDir("todo-chromium");
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
        await page.getByText("Showing 1–2 of 2").waitFor();

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

    it("has a visible label for the new-todo input and a visible keyboard focus ring", async () => {
        const label = page.locator('label[for="new-todo"]');
        assert.equal(await label.isVisible(), true);
        assert.equal((await label.textContent())?.trim(), "New todo");
        assert.equal(await page.getByLabel("New todo").getAttribute("id"), "new-todo");
        const outline = () =>
            page.evaluate(() => {
                const s = getComputedStyle(document.activeElement!);
                return `${document.activeElement!.tagName.toLowerCase()} ${s.outlineStyle} ${s.outlineWidth}`;
            });
        // Keyboard only: from the page into the input, then to the Add button.
        await page.locator("h1").click();
        assert.match(await outline(), /^body none/);
        await page.keyboard.press("Tab");
        assert.equal(await outline(), "input solid 3px");
        await page.keyboard.press("Tab");
        assert.equal(await outline(), "button solid 3px");
        await page.keyboard.press("Tab");
        assert.equal(await outline(), "input solid 3px", "the todo's checkbox");
    });

    it("shows friendly text, not the backend's message, when the title is rejected, and changes nothing", async () => {
        const res = await add("   ");
        assert.equal(res.status(), 400);
        await page.getByRole("alert").filter({ hasText: MESSAGES.emptyTitle }).waitFor();
        assert.ok(!(await page.getByRole("alert").textContent())?.includes("must not be empty"));
        assert.deepEqual(await titles(), [{ title: "Buy milk", completed: true }]);
        await page.getByRole("button", { name: "Dismiss error" }).click();
        await page.getByRole("alert").waitFor({ state: "detached" });
    });

    it("shows an error while the database is down, and works again once it is back", async () => {
        await pg.stop();
        try {
            const res = await add("while down");
            assert.equal(res.status(), 503);
            await page.getByRole("alert").filter({ hasText: MESSAGES.unavailable }).waitFor();
            assert.ok(!(await page.getByRole("alert").textContent())?.includes("database unavailable"));
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

    it(`pages through the list ${PAGE_SIZE} at a time, and a new todo shows on the last page`, async () => {
        await backend.pool.query("INSERT INTO todos (title) SELECT 'seed ' || lpad(i::text, 2, '0') FROM generate_series(1, 43) AS i");
        await page.goto(web.url);
        await page.getByTestId("page").filter({ hasText: "Page 1 of 3" }).waitFor();
        await page.getByText("Showing 1–20 of 45").waitFor();
        assert.equal(await page.getByRole("button", { name: "Previous" }).isDisabled(), true);
        await item("Buy milk").waitFor();

        const second = page.waitForResponse((r) => new URL(r.url()).search === `?limit=${PAGE_SIZE}&offset=${PAGE_SIZE}`);
        await page.getByRole("button", { name: "Next" }).click();
        assert.equal((await second).status(), 200);
        await page.getByTestId("page").filter({ hasText: "Page 2 of 3" }).waitFor();
        await page.getByText("Showing 21–40 of 45").waitFor();
        assert.equal(await page.locator("li .title").first().textContent(), "seed 19");
        assert.equal(await item("Buy milk").count(), 0);

        await page.getByRole("button", { name: "Next" }).click();
        await page.getByText("Showing 41–45 of 45").waitFor();
        assert.equal(await page.getByRole("button", { name: "Next" }).isDisabled(), true);

        await page.getByRole("button", { name: "Previous" }).click();
        await page.getByRole("button", { name: "Previous" }).click();
        await page.getByText("Showing 1–20 of 45").waitFor();
        assert.equal((await add("the newest")).status(), 201);
        await page.getByText("Showing 41–46 of 46").waitFor();
        await item("the newest").waitFor();
    });
});
