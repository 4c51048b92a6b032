import assert from "node:assert/strict";
import { ApiError, createApi, errorMessage } from "../src/api";
import { MESSAGES, friendlyMessage } from "../src/messages";

type Call = { url: string; init?: RequestInit };

function fakeFetch(reply: () => Response | Promise<Response>) {
    const calls: Call[] = [];
    const impl = async (url: string, init?: RequestInit) => {
        calls.push({ url, init });
        return reply();
    };
    return { calls, impl };
}

const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("todo frontend: API client (pure, fake fetch)", () => {
    it("calls the backend under the relative /api base with JSON bodies", async () => {
        const f = fakeFetch(() => json(201, { id: 1, title: "a", completed: false, createdAt: "x", updatedAt: "x" }));
        const api = createApi("/api", f.impl);
        const created = await api.create("a");
        assert.equal(created.id, 1);
        assert.equal(f.calls[0].url, "/api/todos");
        assert.equal(f.calls[0].init?.method, "POST");
        assert.equal(f.calls[0].init?.body, JSON.stringify({ title: "a" }));
        assert.equal((f.calls[0].init?.headers as Record<string, string>)["content-type"], "application/json");

        await api.setCompleted(7, true);
        assert.deepEqual([f.calls[1].url, f.calls[1].init?.method, f.calls[1].init?.body], ["/api/todos/7", "PATCH", '{"completed":true}']);
    });

    it("DELETE's 204 resolves to undefined", async () => {
        const f = fakeFetch(() => new Response(null, { status: 204 }));
        assert.equal(await createApi("/api", f.impl).remove(3), undefined);
        assert.equal(f.calls[0].init?.method, "DELETE");
    });

    it("turns the backend's {error} into an ApiError with that message and status", async () => {
        const api = createApi("/api", fakeFetch(() => json(400, { error: '"title" must not be empty' })).impl);
        await assert.rejects(
            api.create(""),
            (e: unknown) => e instanceof ApiError && e.status === 400 && e.message === '"title" must not be empty',
        );
    });

    it("falls back to the status line when the body is not the backend's JSON", async () => {
        assert.equal(
            await errorMessage(new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })),
            "request failed: HTTP 502 Bad Gateway",
        );
        assert.equal(await errorMessage(json(500, { message: "x" })), "request failed: HTTP 500");
    });

    it("reports an unreachable server clearly", async () => {
        const api = createApi("/api", async () => {
            throw new TypeError("fetch failed");
        });
        await assert.rejects(
            api.list({ limit: 20, offset: 0 }),
            (e: unknown) => e instanceof ApiError && e.status === 0 && /cannot reach the server/.test(e.message),
        );
    });
});

describe("todo frontend: paging client and friendly error text (pure)", () => {
    it("asks for one page and reads the total from X-Total-Count", async () => {
        const todo = { id: 1, title: "a", completed: false, createdAt: "x", updatedAt: "x" };
        const f = fakeFetch(
            () =>
                new Response(JSON.stringify([todo]), {
                    status: 200,
                    headers: { "content-type": "application/json", "x-total-count": "41" },
                }),
        );
        const page = await createApi("/api", f.impl).list({ limit: 20, offset: 40 });
        assert.equal(f.calls[0].url, "/api/todos?limit=20&offset=40");
        assert.deepEqual(page, { todos: [todo], total: 41 });
    });

    it("without X-Total-Count (an older backend answering everything) the total is what it got", async () => {
        const f = fakeFetch(() => json(200, [{ id: 1 }, { id: 2 }]));
        assert.equal((await createApi("/api", f.impl).list({ limit: 20, offset: 0 })).total, 2);
    });

    it("turns every failure into plain words, never the backend's message", () => {
        const cases: Array<[ApiError | Error, string]> = [
            [new ApiError(0, "cannot reach the server; check your connection and try again"), MESSAGES.offline],
            [new ApiError(400, '"title" must not be empty'), MESSAGES.emptyTitle],
            [new ApiError(400, '"title" is required'), MESSAGES.emptyTitle],
            [new ApiError(400, '"title" must be at most 200 characters, got 201'), MESSAGES.longTitle],
            [new ApiError(400, '"title" must not contain NUL characters (U+0000)'), MESSAGES.badCharacters],
            [new ApiError(400, "request body is not valid UTF-8"), MESSAGES.badCharacters],
            [new ApiError(400, 'unknown field: "x"'), MESSAGES.badInput],
            [new ApiError(413, "request body too large (limit 10240 bytes)"), MESSAGES.longTitle],
            [new ApiError(404, "todo 7 not found"), MESSAGES.gone],
            [new ApiError(503, "database unavailable"), MESSAGES.unavailable],
            [new ApiError(502, "request failed: HTTP 502 Bad Gateway"), MESSAGES.unavailable],
            [new ApiError(500, "internal server error"), MESSAGES.unexpected],
            [new Error("TypeError: x is undefined"), MESSAGES.unexpected],
        ];
        for (const [err, text] of cases) {
            assert.equal(friendlyMessage(err), text, err.message);
            assert.ok(!friendlyMessage(err).includes(err.message), `raw message leaked: ${err.message}`);
        }
    });
});
