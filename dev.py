#!/usr/bin/env python3
"""The two commands of the README quickstart, needing nothing but Python 3.11+:

    python3 dev.py run    # the bot: Slack when credentials are set, else the local console
    python3 dev.py test   # every check: ruff, mypy, pytest on SQLite and on PostgreSQL

It keeps a virtualenv in .venv and reinstalls only when pyproject.toml changes.
Extra arguments after `run` go to `ipbot serve`, after `test` to pytest."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".ipbot-installed"
LINTED = [p for p in ("bot", "handlers", "store", "tests", "bench", "dev.py") if (ROOT / p).exists()]
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py itself must run on an old Python to say so
        sys.exit(f"ipbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == want and PY.exists():
        return
    if not PY.exists():
        print("dev.py: creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing ipbot and its test tools into .venv …", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(want)


def _pg_reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2):
            return True
    except OSError:
        return False


def run(args: list[str]) -> int:
    return subprocess.call([str(BIN / "ipbot"), "serve", *args], cwd=ROOT)


def test(args: list[str]) -> int:
    steps: list[tuple[str, list[str], dict[str, str]]] = [
        ("ruff", [str(PY), "-m", "ruff", "check", *LINTED], {}),
        ("mypy", [str(PY), "-m", "mypy", "bot", "handlers", "store"], {}),
        ("pytest (SQLite)", [str(PY), "-m", "pytest", *args], {"IPBOT_TEST_DATABASE_URL": ""}),
    ]
    pg = os.environ.get("IPBOT_TEST_DATABASE_URL") or DEFAULT_PG
    if os.environ.get("IPBOT_TEST_DATABASE_URL") or _pg_reachable(pg):
        steps.append(("pytest (PostgreSQL)", [str(PY), "-m", "pytest", *args], {"IPBOT_TEST_DATABASE_URL": pg}))
    else:
        print(f"dev.py: WARNING no PostgreSQL at {pg}; only the SQLite pass runs "
              "(set IPBOT_TEST_DATABASE_URL to point at one)", flush=True)
    failed = []
    for name, cmd, env in steps:
        print(f"\n=== {name} ===", flush=True)
        rc = subprocess.call(cmd, cwd=ROOT, env={**os.environ, **env})
        if rc:
            failed.append(name)
    print("\n" + ("dev.py: FAILED: " + ", ".join(failed) if failed else "dev.py: all checks passed"))
    return 1 if failed else 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        return 2
    ensure_venv()
    cmd, rest = sys.argv[1], sys.argv[2:]
    return run(rest) if cmd == "run" else test(rest)


if __name__ == "__main__":
    raise SystemExit(main())
