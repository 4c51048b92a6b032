/**
 * The SQL the API runs and the row → JSON mapping, in one place: the service and the benchmark's raw
 * baseline (bench/raw-server.ts) run exactly these statements.
 */

export interface Todo {
    id: number;
    title: string;
    completed: boolean;
    createdAt: string;
    updatedAt: string;
}

export interface TodoRow {
    id: number;
    title: string;
    completed: boolean;
    created_at: Date;
    updated_at: Date;
}

const COLUMNS = "id, title, completed, created_at, updated_at";

/**
 * One page in creation order plus the total, in one statement (one snapshot, one pool client). The
 * ORDER BY is served by the (created_at, id) index of migration 2. An offset past the end still
 * yields one row, with the total and NULL todo columns.
 */
export const LIST_PAGE = `SELECT c.total, t.id, t.title, t.completed, t.created_at, t.updated_at
  FROM (SELECT count(*)::int AS total FROM todos) c
  LEFT JOIN LATERAL (SELECT ${COLUMNS} FROM todos ORDER BY created_at, id LIMIT $1 OFFSET $2) t ON true`;

/** A LIST_PAGE row: the todo columns are NULL on the single row of an empty page. */
export interface PageRow extends Omit<TodoRow, "id"> {
    total: number;
    id: number | null;
}

export const INSERT_TODO = `INSERT INTO todos (title, completed) VALUES ($1, $2) RETURNING ${COLUMNS}`;
export const SELECT_TODO = `SELECT ${COLUMNS} FROM todos WHERE id = $1`;
export const UPDATE_TODO = `UPDATE todos SET title = COALESCE($2, title), completed = COALESCE($3, completed), updated_at = now()
  WHERE id = $1 RETURNING ${COLUMNS}`;
export const DELETE_TODO = "DELETE FROM todos WHERE id = $1";

export function toTodo(row: TodoRow): Todo {
    return {
        id: row.id,
        title: row.title,
        completed: row.completed,
        createdAt: row.created_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
    };
}

/** The todos of a LIST_PAGE result and its total. */
export function toPage(rows: PageRow[]): { todos: Todo[]; total: number } {
    const total = rows.length > 0 ? rows[0].total : 0;
    const todos: Todo[] = [];
    for (const r of rows) if (r.id !== null) todos.push(toTodo(r as TodoRow));
    return { todos, total };
}
