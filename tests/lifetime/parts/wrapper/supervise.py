#!/usr/bin/env python3
"""The last step of the k3s wrapper of "k3s made of upstream parts": exec'd by it, so it keeps
the service's main PID, tells systemd the service is ready (Type=notify, as k3s does once its
API answers), then waits: when any part exits, the others are stopped and the service fails,
for systemd to restart it. Usage: supervise.py PID..."""
import os, signal, socket, sys

pids = [int(p) for p in sys.argv[1:]]


def stop(*_):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    sys.exit(1)


signal.signal(signal.SIGTERM, stop)
address = os.environ.get("K3S_NOTIFY_SOCKET", "")
if address:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.connect("\0" + address[1:] if address.startswith("@") else address)
        s.sendall(b"READY=1")
print("k3s: ready", file=sys.stderr, flush=True)
pid, status = os.wait()
print(f"k3s: part {pid} exited ({status}); stopping the rest", file=sys.stderr, flush=True)
stop()
