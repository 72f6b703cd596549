#!/usr/bin/env python3
"""The two commands of the README quickstart, needing nothing but Python 3.11+:

    python3 dev.py run    # the bot: Slack when credentials are set, else the local console
    python3 dev.py test   # every check: ruff, mypy, pytest on SQLite and on PostgreSQL

and, for maintainers, after changing dependencies in pyproject.toml:

    python3 dev.py lock   # re-resolve requirements.lock (then commit it)

It keeps a virtualenv in .venv holding exactly the versions pinned (with hashes) in
requirements.lock, and re-syncs it when requirements.lock or pyproject.toml changes.
Extra arguments after `run` go to `ipbot serve`, after `test` to pytest, after
`lock` to `uv pip compile` (`--upgrade`, `--upgrade-package NAME`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".ipbot-installed"
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
# The lock tool, pinned so that two maintainers resolve alike; it lives in a throwaway
# virtualenv during `dev.py lock` and is not a dependency of ipbot.
LOCK_TOOL = "uv==0.13.9"
DIGEST_LINE = "# pyproject.toml dependencies sha256: "
LINTED = [p for p in ("bot", "handlers", "store", "tests", "bench", "dev.py") if (ROOT / p).exists()]
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _inputs(pyproject_text: str) -> dict[str, list[str]]:
    """What requirements.lock is resolved from: the runtime and dev dependencies and
    the build requirements (the editable install builds without isolation from the lock)."""
    import tomllib

    data = tomllib.loads(pyproject_text)
    return {
        "dependencies": data["project"].get("dependencies", []),
        "dev": data["project"].get("optional-dependencies", {}).get("dev", []),
        "build": data["build-system"]["requires"],
    }


def _digest(pyproject_text: str) -> str:
    return hashlib.sha256(json.dumps(_inputs(pyproject_text), sort_keys=True).encode()).hexdigest()


def _name(requirement: str) -> str:
    return _canon(re.split(r"[\s\[<>=!~;@(]", requirement.strip(), maxsplit=1)[0])


def _pinned(lock_text: str) -> set[str]:
    return {_canon(m) for m in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock_text, re.MULTILINE)}


def lock_problems(pyproject_text: str, lock_text: str) -> list[str]:
    """Why requirements.lock does not match pyproject.toml's dependencies; empty when it does."""
    inputs = _inputs(pyproject_text)
    pinned = _pinned(lock_text)
    problems = [
        f"{req!r} is not pinned in requirements.lock"
        for req in inputs["dependencies"] + inputs["dev"] + inputs["build"]
        if _name(req) not in pinned
    ]
    if not problems and DIGEST_LINE + _digest(pyproject_text) not in lock_text:
        problems.append("pyproject.toml's dependencies changed since requirements.lock was generated")
    return problems


def ensure_venv() -> None:
    if not LOCK.exists():
        sys.exit("dev.py: requirements.lock is missing; run `python3 dev.py lock` and commit it")
    lock_text = LOCK.read_text()
    problems = lock_problems(PYPROJECT.read_text(), lock_text)
    if problems:
        sys.exit("dev.py: requirements.lock does not match pyproject.toml:\n  - " + "\n  - ".join(problems)
                 + "\nRun `python3 dev.py lock` and commit requirements.lock.")
    want = hashlib.sha256(LOCK.read_bytes() + PYPROJECT.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == want and PY.exists():
        return
    if not PY.exists():
        print("dev.py: creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing the versions pinned in requirements.lock into .venv …", flush=True)
    pip = [str(PY), "-m", "pip", "--disable-pip-version-check"]
    # every package (pip and setuptools included) at its locked version, checked against its hash
    subprocess.run([*pip, "install", "-q", "--require-hashes", "-r", str(LOCK)], check=True)
    # then ipbot itself, adding nothing: it builds with the locked setuptools (whose banner
    # about editable installs, a UserWarning, says nothing that applies here)
    subprocess.run([*pip, "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True,
                   env={**os.environ, "PYTHONWARNINGS": "ignore::UserWarning"})
    # and whatever an older lock installed that this one no longer pins goes
    listed = subprocess.run([*pip, "list", "--format=json"], check=True, capture_output=True, text=True)
    pinned = _pinned(lock_text) | {"ipbot"}
    stale = sorted(p["name"] for p in json.loads(listed.stdout) if _canon(p["name"]) not in pinned)
    if stale:
        print(f"dev.py: removing packages the lock no longer pins: {', '.join(stale)}", flush=True)
        subprocess.run([*pip, "uninstall", "-q", "-y", *stale], check=True)
    STAMP.write_text(want)


def compile_sources() -> None:
    """Bytecode for ipbot's own modules, as an install from a wheel would have: with
    PYTHONDONTWRITEBYTECODE set (some images set it) every start recompiled ~150
    modules, a few tenths of a second of each start-up. Only changed files compile."""
    packages = [p for p in ("bot", "handlers", "store") if (ROOT / p).exists()]
    subprocess.run([str(PY), "-m", "compileall", "-q", *packages],
                   cwd=ROOT, check=False, stdout=subprocess.DEVNULL)


def lock(args: list[str]) -> int:
    """Re-resolve requirements.lock from pyproject.toml with the pinned lock tool, for every
    platform and Python >= 3.11, keeping the current pins unless asked to upgrade."""
    pyproject_text = PYPROJECT.read_text()
    inputs = _inputs(pyproject_text)
    tool = Path(tempfile.mkdtemp(prefix="ipbot-lock-"))
    try:
        venv.EnvBuilder(with_pip=True).create(tool)
        tool_bin = tool / BIN.name
        print(f"dev.py: installing {LOCK_TOOL} into a throwaway virtualenv …", flush=True)
        subprocess.run([str(tool_bin / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        LOCK_TOOL], check=True)
        # pyproject.toml gives the runtime and dev dependencies; stdin the build requirements and pip
        extra = "".join(f"{req}\n" for req in [*inputs["build"], "pip"])
        rc = subprocess.run(
            [str(tool_bin / "uv"), "pip", "compile", "--quiet", "--universal", "--python-version", "3.11",
             "--generate-hashes", "--extra", "dev", "--custom-compile-command", "python3 dev.py lock",
             "pyproject.toml", "-", "-o", LOCK.name, *args],
            cwd=ROOT, input=extra, text=True,
        ).returncode
    finally:
        shutil.rmtree(tool, ignore_errors=True)
    if rc:
        return rc
    lines = LOCK.read_text().splitlines(keepends=True)
    lines = [ln for ln in lines if not ln.startswith(DIGEST_LINE)]
    header = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    lines.insert(header, f"{DIGEST_LINE}{_digest(pyproject_text)}\n")
    LOCK.write_text("".join(lines))
    print(f"dev.py: wrote {LOCK.name} ({len(_pinned(LOCK.read_text()))} packages); commit it", flush=True)
    return 0


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
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test", "lock"):
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py itself must run on an old Python to say so
        sys.exit(f"ipbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if sys.argv[1] == "lock":
        return lock(sys.argv[2:])
    ensure_venv()
    compile_sources()
    cmd, rest = sys.argv[1], sys.argv[2:]
    return run(rest) if cmd == "run" else test(rest)


if __name__ == "__main__":
    raise SystemExit(main())
