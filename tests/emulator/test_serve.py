"""`ftops emulator serve` as a real process: it prints where it listens, serves the CLI, and stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

FTOPS = str(Path(sys.executable).with_name("ftops"))


def test_serve_answers_the_cli_and_stops_cleanly(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [FTOPS, "emulator", "serve", "--port", "0", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = []
        while not lines or lines[-1] != "}":  # the JSON object with the URL, printed once it is bound
            line = server.stdout.readline()
            assert line, server.stderr.read()
            lines.append(line.rstrip("\n"))
        info = json.loads("\n".join(lines))
        assert info["url"].startswith("http://127.0.0.1:")
        env = {**os.environ, "FTOPS_AZURE_EMULATOR": info["url"], "XDG_CACHE_HOME": str(tmp_path)}
        done = subprocess.run(
            [FTOPS, "availability", "--model", "gpt-4.1", "--live", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        rows = {r["region"]: r for r in json.loads(done.stdout)["regions"]}
        assert rows["swedencentral"]["live"] is True and json.loads(done.stdout)["differences"] == 0
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0 and "emulator stopped" in stderr


def test_a_bad_fault_spec_is_a_usage_error() -> None:
    done = subprocess.run(
        [FTOPS, "emulator", "serve", "--port", "0", "--faults", "explode on=GET:*"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "explode" in done.stderr
