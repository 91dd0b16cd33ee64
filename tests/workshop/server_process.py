"""``simkit workshop`` as a real child process, for the tests and the load benchmark.

One server on ``127.0.0.1:port`` serving one workshop file. :meth:`WorkshopProcess.start`
starts it and waits until it has printed its URLs and answers; :meth:`~WorkshopProcess.kill`
is a power cut (SIGKILL: no shutdown code runs); :meth:`~WorkshopProcess.stop` is Ctrl-C or
SIGTERM, and notes any process the server left behind. The server's output goes to ``log``
(each start appended under a ``--- start N ---`` line), so a restarted server's URLs and
messages are read from its own part of the log (:meth:`~WorkshopProcess.output`).

The load benchmark imports this module too (``benchmarks/bench_workshop.py``), so it uses
nothing of pytest.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import alive, descendants

ENTRY = "import sys; from simkit.cli import app; sys.argv[0] = 'simkit'; app()"
"""How to start the CLI when the ``simkit`` script is not next to this Python."""

TOKEN_VARIABLE = "SIMKIT_WORKSHOP_TOKEN"


class WorkshopProcess:
    """``simkit workshop --db DB --port PORT [options]`` as a child process, started and
    killed as often as a test likes; the URLs and join code of its latest start.

    ``token`` fixes the instructor token (``SIMKIT_WORKSHOP_TOKEN``); without it every start
    makes a new one, as in a real room.
    """

    def __init__(
        self, db: Path, port: int, log: Path, *options: str, token: str | None = None
    ) -> None:
        self.db, self.port, self.log, self.options = db, port, log, options
        self.env = {k: v for k, v in os.environ.items() if k != TOKEN_VARIABLE}
        if token is not None:
            self.env[TOKEN_VARIABLE] = token
        self.proc: subprocess.Popen | None = None
        self.join_url = self.instructor_url = self.code = ""
        self.starts = 0
        self.mark = 0  # where the latest start's output begins in the log
        self.left_behind: list[int] = []
        log.write_text("")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """What the server printed since its latest start."""
        return self.log.read_text()[self.mark :]

    def start(self, options: tuple[str, ...] | None = None, timeout: float = 90.0) -> float:
        """Start the server (with ``options`` instead of the constructor's, if given) and
        wait until it has printed its URLs and answers; the seconds that took."""
        script = Path(sys.executable).with_name("simkit")
        cli = [str(script)] if script.is_file() else [sys.executable, "-c", ENTRY]
        begun = time.perf_counter()
        with open(self.log, "a") as log:
            log.write(f"--- start {self.starts + 1} ---\n")
            log.flush()
            self.mark = self.log.stat().st_size
            self.proc = subprocess.Popen(
                [*cli, "workshop", "--port", str(self.port), "--db", str(self.db),
                 *(self.options if options is None else options)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=self.env,
            )  # fmt: skip
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            text = self.output()
            found = re.search(r"instructor \(keep it private\): (http://\S+)", text)
            if found and self._answers():
                self.instructor_url = found.group(1)
                self.join_url = re.search(r"trainees join at:\s+(http://\S+)", text).group(1)
                self.code = re.search(r"join code:\s+(\S+)", text).group(1)
                return time.perf_counter() - begun
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"simkit workshop did not start:\n{self.output()[-3000:]}")

    def _answers(self) -> bool:
        try:
            return httpx.get(self.base + "/api/state", timeout=2, trust_env=False).is_success
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a power cut or a closed laptop lid would: no clean shutdown."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int | None:
        """Stop the server with ``how`` (SIGTERM, or SIGINT as Ctrl-C), SIGKILL after 30 s;
        its exit code. Processes it started and left running are killed and listed in
        :attr:`left_behind`."""
        if self.proc is None:
            return None
        watched = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(how)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.left_behind = [p for p in watched if alive(p)]
        for p in self.left_behind:
            os.kill(p, signal.SIGKILL)
        return self.proc.returncode
