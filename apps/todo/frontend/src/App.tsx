import { type FormEvent, useCallback, useEffect, useState } from "react";
import { type Api, ApiError, type Todo } from "./api";
import { friendlyMessage } from "./messages";

/** Todos per page (the backend allows up to 200). */
export const PAGE_SIZE = 20;

/** Offset of the last page for `total` todos. */
const lastPageOffset = (total: number) => Math.max(0, Math.ceil(total / PAGE_SIZE) - 1) * PAGE_SIZE;

export function App({ api }: { api: Api }) {
  const [todos, setTodos] = useState<Todo[]>([]);
  const [total, setTotal] = useState(0);
  const [offset, setOffset] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const [busy, setBusy] = useState(false);

  const fail = (err: unknown) => {
    if (err instanceof ApiError) console.warn(`todo API: HTTP ${err.status}: ${err.message}`);
    setError(friendlyMessage(err));
  };

  /** Shows the page at `at`; a page emptied by deletes falls back to the (new) last page. */
  const load = useCallback(
    async (at: number) => {
      try {
        let page = await api.list({ limit: PAGE_SIZE, offset: at });
        if (page.todos.length === 0 && at > 0 && page.total > 0) {
          at = lastPageOffset(page.total);
          page = await api.list({ limit: PAGE_SIZE, offset: at });
        }
        setTodos(page.todos);
        setTotal(page.total);
        setOffset(at);
        return true;
      } catch (err) {
        fail(err);
        return false;
      } finally {
        setLoading(false);
      }
    },
    [api],
  );

  useEffect(() => {
    void load(0).then((ok) => ok && setError(null));
  }, [load]);

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      await api.create(title);
      setTitle("");
      setError(null);
      // Oldest first: the new todo is the last one, so show the last page.
      await load(lastPageOffset(total + 1));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  }

  async function toggle(todo: Todo) {
    try {
      const updated = await api.setCompleted(todo.id, !todo.completed);
      setTodos((list) => list.map((t) => (t.id === updated.id ? updated : t)));
      setError(null);
    } catch (err) {
      fail(err);
      if (err instanceof ApiError && err.status === 404) await load(offset);
    }
  }

  async function remove(todo: Todo) {
    try {
      await api.remove(todo.id);
      setError(null);
    } catch (err) {
      fail(err);
      if (!(err instanceof ApiError && err.status === 404)) return;
    }
    await load(offset);
  }

  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const pageNo = Math.floor(offset / PAGE_SIZE) + 1;

  return (
    <main>
      <h1>Todos</h1>
      <form onSubmit={add} aria-label="Add a todo">
        <label htmlFor="new-todo">New todo</label>
        <div className="row">
          <input
            id="new-todo"
            placeholder="What needs doing?"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            disabled={busy}
          />
          <button type="submit" disabled={busy}>
            Add
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}{" "}
          <button type="button" className="link" onClick={() => setError(null)} aria-label="Dismiss error">
            ×
          </button>
        </p>
      )}
      {loading ? (
        <p aria-busy="true">Loading…</p>
      ) : todos.length === 0 ? (
        <p className="empty" data-testid="empty">
          Nothing to do.
        </p>
      ) : (
        <ul aria-label="Todos">
          {todos.map((todo) => (
            <li key={todo.id} data-todo-id={todo.id} className={todo.completed ? "done" : undefined}>
              <label>
                <input type="checkbox" checked={todo.completed} onChange={() => void toggle(todo)} />
                <span className="title">{todo.title}</span>
              </label>
              <button type="button" onClick={() => void remove(todo)} aria-label={`Delete ${todo.title}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {!loading && total > PAGE_SIZE && (
        <nav aria-label="Pages" className="pager">
          <button type="button" onClick={() => void load(Math.max(0, offset - PAGE_SIZE))} disabled={offset === 0}>
            Previous
          </button>
          <span data-testid="page">
            Page {pageNo} of {pages}
          </span>
          <button type="button" onClick={() => void load(offset + PAGE_SIZE)} disabled={offset + PAGE_SIZE >= total}>
            Next
          </button>
        </nav>
      )}
      <footer data-testid="count">
        {loading || total === 0 ? "" : `Showing ${offset + 1}–${offset + todos.length} of ${total}`}
      </footer>
    </main>
  );
}
