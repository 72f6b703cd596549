"""The install is reproducible: requirements.lock pins every package pyproject.toml asks
for, and dev.py refuses to install from a lock that no longer matches pyproject.toml."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEV = _dev()
PYPROJECT = (ROOT / "pyproject.toml").read_text()
LOCK = (ROOT / "requirements.lock").read_text()


def test_the_committed_lock_matches_pyproject() -> None:
    assert DEV.lock_problems(PYPROJECT, LOCK) == []


def test_every_pin_is_exact_and_hashed() -> None:
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n", 3)[3])
    assert len(entries) > 20
    for entry in entries:
        assert re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*==\S+", entry), entry
        assert "--hash=sha256:" in entry, entry


def test_a_dependency_missing_from_the_lock_is_named() -> None:
    changed = PYPROJECT.replace('"tqdm>=4.66",', '"tqdm>=4.66",\n    "humanize>=4",')
    assert DEV.lock_problems(changed, LOCK) == ["'humanize>=4' is not pinned in requirements.lock"]


def test_a_changed_bound_asks_for_a_new_lock() -> None:
    changed = PYPROJECT.replace('"rapidfuzz>=3.6,<4"', '"rapidfuzz>=3.7,<4"')
    assert changed != PYPROJECT
    assert DEV.lock_problems(changed, LOCK) == [
        "pyproject.toml's dependencies changed since requirements.lock was generated"
    ]


def test_comments_and_formatting_in_pyproject_do_not() -> None:
    changed = PYPROJECT.replace('"tqdm>=4.66",', '"tqdm>=4.66",  # still the same list')
    assert changed != PYPROJECT
    assert DEV.lock_problems(changed, LOCK) == []
