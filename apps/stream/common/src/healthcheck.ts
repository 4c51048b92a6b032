/**
 * Docker HEALTHCHECK: exits 0 when GET http://127.0.0.1:$HEALTH_PORT/healthz answers 200 within 2 s, else 1.
 * (The slim runtime image has no curl/wget; Node's own fetch is used.)
 */
const port = Number(process.env.HEALTH_PORT ?? "8080");
const controller = new AbortController();
const timer = setTimeout(() => controller.abort(), 2000);
try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: controller.signal });
    const body = await res.text();
    process.stdout.write(body);
    process.exitCode = res.status === 200 ? 0 : 1;
} catch (error) {
    process.stdout.write(`healthcheck failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
} finally {
    clearTimeout(timer);
}
