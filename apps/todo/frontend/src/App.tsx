import { type FormEvent, useCallback, useEffect, useState } from "react";
import type { Api, Todo } from "./api";

export function App({ api }: { api: Api }) {
  const [todos, setTodos] = useState<Todo[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const [busy, setBusy] = useState(false);

  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));

  const reload = useCallback(async () => {
    try {
      setTodos(await api.list());
      setError(null);
    } catch (err) {
      fail(err);
    } finally {
      setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const created = await api.create(title);
      setTodos((list) => [...list, created]);
      setTitle("");
      setError(null);
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
    }
  }

  async function remove(todo: Todo) {
    try {
      await api.remove(todo.id);
      setTodos((list) => list.filter((t) => t.id !== todo.id));
      setError(null);
    } catch (err) {
      fail(err);
    }
  }

  const open = todos.filter((t) => !t.completed).length;

  return (
    <main>
      <h1>Todos</h1>
      <form onSubmit={add} aria-label="Add a todo">
        <input
          aria-label="New todo"
          placeholder="What needs doing?"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          disabled={busy}
        />
        <button type="submit" disabled={busy}>
          Add
        </button>
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
      <footer data-testid="count">{loading ? "" : `${open} open, ${todos.length - open} done`}</footer>
    </main>
  );
}
