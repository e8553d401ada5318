"""Start web, the two workers (the bulk and the urgent lane) and the BigCommerce sandbox together;
Ctrl-C (or SIGTERM) stops them all.

Used by `make run`; ``run()`` starts and stops any set of named commands the same way (`make serve`'s
production stack, scripts/serve.py). A command may begin with ``NAME=value`` words, as a Procfile
line does: they are set in that process's environment only. Each process keeps its own output,
prefixed by its name. The web serves on the setting ``PORT`` (default 8000),
the sandbox on ``SANDBOX_PORT`` (default 8001).

Each process runs in a process group of its own (a terminal's Ctrl-C reaches this script only).
Stopping, when a signal arrives or one of them ends: SIGTERM to each of them, which stops
its own children; once they have ended, SIGKILL to anything left in their groups. After ``GRACE``
seconds, or at a further SIGINT/SIGTERM more than ``SETTLE`` into the shutdown (a second Ctrl-C),
SIGKILL to every group at once. It returns when no process
of any group is left. The signal handlers only count signals and never raise, so a signal arriving at
any moment (twice at once, or during the shutdown) cannot cut the shutdown short.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE = 10.0  # seconds the processes get to stop after SIGTERM
TICK = 0.1  # seconds between looks at the processes
SETTLE = 1.0  # seconds: signals this close to the first (a process manager and make) do not force

signals_received = 0
last_signal_at = float("-inf")  # time.monotonic() of the last one


def count_signal(signum, frame) -> None:
    global signals_received, last_signal_at
    signals_received += 1
    last_signal_at = time.monotonic()


def settings():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    from django.conf import settings

    return settings


def commands(*, port: int, sandbox_port: int, bulk: str, urgent: str) -> dict[str, list[str]]:
    """Each process's command, Procfile-style (leading ``NAME=value`` words are its environment): one
    django-q2 cluster per lane (named by Q_CLUSTER_NAME; integrations.services.queue says which task
    runs on which), the web, the sandbox."""
    py = sys.executable
    qcluster = [py, "manage.py", "qcluster"]
    return {
        "sandbox": [py, "-m", "sandbox", "--port", str(sandbox_port), "--seed-demo"],
        "bulk": [f"Q_CLUSTER_NAME={bulk}", *qcluster],
        **({"urgent": [f"Q_CLUSTER_NAME={urgent}", *qcluster]} if urgent else {}),
        "web": [py, "manage.py", "runserver", f"127.0.0.1:{port}"],
    }


def busy_ports(ports: dict[str, tuple[int, str]], *, target: str = "run") -> list[str]:
    """A sentence for each port something already listens on."""
    busy = []
    for name, (port, setting) in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                busy.append(
                    f"Port {port} ({name}) is in use: stop what listens on it, or choose another port "
                    f"with {setting}=… (e.g. make {target} {setting}={port + 10000})."
                )
    return busy


def say(text: str, *, stream=None) -> None:
    """Print, but never fail (a closed terminal must not stop the shutdown half-way)."""
    try:
        print(text, file=stream or sys.stdout, flush=True)
    except (OSError, ValueError):
        pass


def pump(name: str, stream) -> None:
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{name:>8} | {line}")
        sys.stdout.flush()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal: still there
        return True
    return True


def signal_groups(running: dict[str, subprocess.Popen], signum: int) -> None:
    for proc in running.values():
        try:
            os.killpg(proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def stop_all(running: dict[str, subprocess.Popen], *, grace: float = GRACE) -> None:
    """SIGTERM to each process, SIGKILL to their groups after the grace or at a further signal;
    returns once every process is reaped and no member of any group is left."""
    began = time.monotonic()
    for proc in running.values():
        if proc.poll() is None:
            # The process itself stops its children: qcluster its workers, runserver's reloader
            # its server (a worker signalled directly dies before the cluster can stop it).
            proc.send_signal(signal.SIGTERM)
    killed_at = None
    while True:
        for proc in running.values():
            proc.poll()  # reap the leaders that ended (a zombie still counts as a group member)
        leaders_done = all(p.returncode is not None for p in running.values())
        if killed_at is None:
            forced = last_signal_at > began + SETTLE or time.monotonic() > began + grace
            if forced:
                say("Forcing the remaining processes to stop.")
            if forced or leaders_done:  # done: whatever a leader left in its group goes too
                signal_groups(running, signal.SIGKILL)
                killed_at = time.monotonic()
        if leaders_done and not any(group_alive(p.pid) for p in running.values()):
            return
        if killed_at is not None and time.monotonic() > killed_at + GRACE:  # only a hung kernel call
            left = [n for n, p in running.items() if p.returncode is None or group_alive(p.pid)]
            say(f"Could not stop {', '.join(left)}.", stream=sys.stderr)
            return
        time.sleep(TICK)


def split_assignments(command: list[str]) -> tuple[dict[str, str], list[str]]:
    """Leading ``NAME=value`` words (a Procfile's per-process environment) and the rest."""
    env: dict[str, str] = {}
    for i, word in enumerate(command):
        name, sep, value = word.partition("=")
        if not (sep and name.isidentifier()):
            return env, command[i:]
        env[name] = value
    return env, []


def run(
    processes: dict[str, list[str]],
    *,
    ports: dict[str, tuple[int, str]],
    banner: list[str],
    target: str = "run",
    env: dict[str, str] | None = None,
    grace: float = GRACE,
) -> int:
    """Start each named command in a process group of its own, print ``banner`` once all are started,
    and stop them all when a signal arrives or one of them ends. 0 if stopped by a signal, else 1."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, count_signal)
    busy = busy_ports(ports, target=target)
    if busy:
        say("\n".join(busy), stream=sys.stderr)
        return 1
    base_env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
    running: dict[str, subprocess.Popen] = {}
    try:
        for name, command in processes.items():
            if signals_received:
                break
            own_env, argv = split_assignments(command)
            proc = subprocess.Popen(
                argv,
                cwd=ROOT,
                env={**base_env, **own_env},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            running[name] = proc
            threading.Thread(target=pump, args=(name, proc.stdout), daemon=True).start()
        if not signals_received:
            say("\n".join(banner))
        while not signals_received and all(p.poll() is None for p in running.values()):
            time.sleep(TICK)
        dead = [n for n, p in running.items() if p.returncode is not None]
        reason = f"{', '.join(dead)} stopped" if dead and not signals_received else "Stop requested"
        say(f"{reason}; stopping {', '.join(running) or 'nothing'}.")
    finally:
        # Nothing above raises on a signal, so this runs to its end (a crash above lands here too).
        stop_all(running, grace=grace)
    say("Everything stopped.")
    return 0 if signals_received else 1  # 1: one of them ended by itself


def main() -> int:
    conf = settings()
    return run(
        commands(
            port=conf.PORT, sandbox_port=conf.SANDBOX_PORT, bulk=conf.Q_CLUSTER["name"], urgent=conf.Q_URGENT_CLUSTER
        ),
        ports={"web": (conf.PORT, "PORT"), "sandbox": (conf.SANDBOX_PORT, "SANDBOX_PORT")},
        banner=[
            f"Comptoir: http://127.0.0.1:{conf.PORT} (demo@comptoir.test / comptoir-demo)",
            f"BigCommerce sandbox: http://127.0.0.1:{conf.SANDBOX_PORT}/manage/ — Ctrl-C stops everything.",
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
