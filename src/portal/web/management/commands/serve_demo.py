"""`manage.py serve_demo`: the web server and the background worker as one process for `make run`.

Why one launcher: a demo needs both (notices close and exports build in the worker), and Ctrl-C
must stop both. The worker (`manage.py db_worker`) runs as a child process; whichever of the
two ends first — Ctrl-C, SIGTERM, the port being taken, the worker crashing — the other is
stopped too. Production runs them as separate services instead (docs/guide-deployer.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.web.demo import DEMO_PASSWORD, demo_accounts, format_accounts, is_loaded


class Command(BaseCommand):
    help = "Run the web server (127.0.0.1:8000) and the task worker together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="address:port to serve on")
        parser.add_argument("--no-worker", action="store_true", help="do not start `manage.py db_worker`")

    def handle(self, *args, addrport="127.0.0.1:8000", no_worker=False, **options):
        if is_loaded():
            self.stdout.write(format_accounts(demo_accounts(), DEMO_PASSWORD))
        else:
            self.stdout.write("（数据库中没有演示数据：运行 manage.py load_demo 生成。）")
        if not settings.DEBUG:  # without DEBUG the static files are served from STATIC_ROOT (whitenoise)
            call_command("collectstatic", interactive=False, verbosity=0)
        host, _, port = addrport.rpartition(":")
        self._check_port(host or "127.0.0.1", port)
        self.stdout.write(
            f"\n平台地址：http://{host or '127.0.0.1'}:{port}/   （按 Ctrl-C 停止网站和后台任务）\n"
        )

        worker = None if no_worker else self._start_worker()
        stopping = threading.Event()
        if worker is not None:
            threading.Thread(target=self._watch, args=(worker, stopping), daemon=True).start()
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            call_command("runserver", addrport, use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            stopping.set()
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                self._stop(worker)

    @staticmethod
    def _on_sigterm(signum, frame):
        raise KeyboardInterrupt

    @staticmethod
    def _check_port(host: str, port: str) -> None:
        """Refuse early: runserver leaves with os._exit() on a taken port, which no `finally` survives."""
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host.strip("[]"), int(port)))
        except (OSError, ValueError) as exc:
            raise CommandError(
                f"无法在 {host}:{port} 上启动网站（{exc}）。端口可能已被占用，"
                "请换一个端口，例如 make run ADDR=127.0.0.1:8080"
            ) from None

    @staticmethod
    def _die_with_parent() -> None:
        """Linux: the kernel sends the worker SIGTERM if this launcher dies in any way (even SIGKILL)."""
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError):
                ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    def _start_worker(self) -> subprocess.Popen:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE)
        manage = settings.REPO_ROOT / "manage.py"
        self.stdout.write("后台任务进程：manage.py db_worker 已启动")
        return subprocess.Popen(
            [sys.executable, str(manage), "db_worker", "--no-reload"],
            env=env,
            preexec_fn=self._die_with_parent,
        )

    def _watch(self, worker: subprocess.Popen, stopping: threading.Event) -> None:
        """If the worker dies on its own, stop the server too (SIGINT ends runserver like Ctrl-C)."""
        code = worker.wait()
        # Ctrl-C reaches both processes; give the server a moment to be the one stopping first.
        if not stopping.wait(3):
            self.stderr.write(f"后台任务进程意外退出（退出码 {code}），网站随之停止。")
            os.kill(os.getpid(), signal.SIGINT)

    def _stop(self, worker: subprocess.Popen) -> None:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        self.stdout.write("网站和后台任务进程已停止。")
