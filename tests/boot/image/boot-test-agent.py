#!/usr/bin/python3
"""Test-image only: the in-VM end of the boot suite's control channel.

Reads one JSON request per line from a virtio-serial port ({"id", "cmd", "timeout"}), runs the
command with bash and answers one JSON line ({"id", "rc", "out", "err"}, output base64). Requests
run concurrently, so a long wait (e.g. `cloud-init status --wait`) does not block others.
"""
import base64
import json
import os
import subprocess
import sys
import threading

port = sys.argv[1]
fd = os.open(port, os.O_RDWR)
lock = threading.Lock()


def answer(reply):
    data = (json.dumps(reply) + "\n").encode()
    with lock:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]


def run(request):
    try:
        done = subprocess.run(["bash", "-c", request["cmd"]], capture_output=True, timeout=request.get("timeout", 600))
        rc, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        rc, out, err = 124, exc.stdout or b"", (exc.stderr or b"") + b"\nboot-test-agent: timed out"
    answer({"id": request["id"], "rc": rc, "out": base64.b64encode(out).decode(), "err": base64.b64encode(err).decode()})


# The host waits for this line before it sends anything (the port may open long after QEMU).
answer({"hello": True})
buffer = b""
while True:
    chunk = os.read(fd, 65536)
    if not chunk:
        # Host side not connected: wait for it instead of spinning.
        os.close(fd)
        fd = os.open(port, os.O_RDWR)
        answer({"hello": True})
        continue
    buffer += chunk
    while b"\n" in buffer:
        line, buffer = buffer.split(b"\n", 1)
        if line.strip():
            threading.Thread(target=run, args=(json.loads(line),), daemon=True).start()
