/** Client of the Todo backend under a base path (relative `/api` in the browser). */

export interface Todo {
    id: number;
    title: string;
    completed: boolean;
    createdAt: string;
    updatedAt: string;
}

/** One page of todos (oldest first) and how many there are in all. */
export interface Page {
    todos: Todo[];
    total: number;
}

export class ApiError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "ApiError";
    }
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The message a failed response carries: its JSON `error`, else the status line. */
export async function errorMessage(res: Response): Promise<string> {
    try {
        const body = (await res.json()) as unknown;
        if (body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string") {
            return (body as { error: string }).error;
        }
    } catch {
        // not JSON: fall through
    }
    return `request failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
}

export function createApi(base = "/api", fetchImpl: FetchLike = (i, init) => fetch(i, init)) {
    async function send(method: string, path: string, body?: unknown): Promise<Response> {
        let res: Response;
        try {
            res = await fetchImpl(`${base}${path}`, {
                method,
                headers:
                    body === undefined
                        ? { accept: "application/json" }
                        : { accept: "application/json", "content-type": "application/json" },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
        } catch {
            throw new ApiError(0, "cannot reach the server; check your connection and try again");
        }
        if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
        return res;
    }
    async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
        const res = await send(method, path, body);
        return (res.status === 204 ? undefined : await res.json()) as T;
    }
    return {
        /** A page of `limit` todos from `offset`; the total comes from the X-Total-Count header. */
        list: async ({ limit, offset }: { limit: number; offset: number }): Promise<Page> => {
            const res = await send("GET", `/todos?limit=${limit}&offset=${offset}`);
            const todos = (await res.json()) as Todo[];
            const header = Number(res.headers.get("x-total-count"));
            return { todos, total: Number.isInteger(header) && res.headers.has("x-total-count") ? header : offset + todos.length };
        },
        create: (title: string) => request<Todo>("POST", "/todos", { title }),
        setCompleted: (id: number, completed: boolean) => request<Todo>("PATCH", `/todos/${id}`, { completed }),
        remove: (id: number) => request<void>("DELETE", `/todos/${id}`),
    };
}

export type Api = ReturnType<typeof createApi>;
