import assert from "node:assert/strict";
import { ApiError, createApi, errorMessage } from "../src/api";

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
    await assert.rejects(api.create(""), (e: unknown) => e instanceof ApiError && e.status === 400 && e.message === '"title" must not be empty');
  });

  it("falls back to the status line when the body is not the backend's JSON", async () => {
    assert.equal(await errorMessage(new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" })), "request failed: HTTP 502 Bad Gateway");
    assert.equal(await errorMessage(json(500, { message: "x" })), "request failed: HTTP 500");
  });

  it("reports an unreachable server clearly", async () => {
    const api = createApi("/api", async () => {
      throw new TypeError("fetch failed");
    });
    await assert.rejects(api.list(), (e: unknown) => e instanceof ApiError && e.status === 0 && /cannot reach the server/.test(e.message));
  });
});
