"""The layers hold (ARCHITECTURE.md): only bot/ imports Slack, and only store/ speaks
SQL. Outside store/, SQLAlchemy may be imported only for its exception types, the
session types a service is handed, and URL parsing — never to build a statement."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what bot/ and handlers/ may take from SQLAlchemy: no select(), text(), insert() …
ALLOWED_SQLALCHEMY = {
    "sqlalchemy.exc": None,  # any exception type
    "sqlalchemy.ext.asyncio": {"AsyncSession", "async_sessionmaker", "AsyncEngine"},
    "sqlalchemy.engine": {"make_url"},
}


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, set[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, set()) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, {a.name for a in node.names}))
    return out


def _files(*packages: str) -> list[Path]:
    return [p for d in packages for p in sorted((ROOT / d).rglob("*.py"))]


def test_only_bot_imports_slack() -> None:
    leaks = [f"{p.relative_to(ROOT)}: {m}" for p in _files("handlers", "store")
             for m, _ in _imports(p) if m.split(".")[0] in ("slack_bolt", "slack_sdk")]
    assert leaks == []


def test_no_sql_outside_store() -> None:
    leaks = []
    for p in _files("bot", "handlers"):
        for module, names in _imports(p):
            if module.split(".")[0] != "sqlalchemy":
                continue
            allowed = ALLOWED_SQLALCHEMY.get(module, set())
            if allowed is not None and (not names or not names <= allowed):
                leaks.append(f"{p.relative_to(ROOT)}: from {module} import {', '.join(sorted(names)) or '*'}")
    assert leaks == []
