"""Start web, worker and the BigCommerce sandbox together; Ctrl-C stops all three.

Used by `make run`. Each process keeps its own output, prefixed by its name.
"""

import os
import signal
import subprocess
import sys
import threading
import time

PY = sys.executable
PROCESSES = {
    "sandbox": [PY, "-m", "sandbox", "--port", "8001", "--seed-demo"],
    "worker": [PY, "manage.py", "qcluster"],
    "web": [PY, "manage.py", "runserver", "127.0.0.1:8000"],
}


def pump(name, stream):
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{name:>8} | {line}")
        sys.stdout.flush()


def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    running = {}
    for name, cmd in PROCESSES.items():
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        running[name] = proc
        threading.Thread(target=pump, args=(name, proc.stdout), daemon=True).start()
    print("Comptoir: http://127.0.0.1:8000 (demo@comptoir.test / comptoir-demo)")
    print("BigCommerce sandbox: http://127.0.0.1:8001/manage/ — Ctrl-C stops everything.", flush=True)
    try:
        while all(p.poll() is None for p in running.values()):
            time.sleep(0.5)
        dead = [n for n, p in running.items() if p.poll() is not None]
        print(f"{', '.join(dead)} stopped; stopping the others.", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in running.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in running.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
