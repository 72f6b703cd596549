"""The layers hold (ARCHITECTURE.md): only bot/ imports Slack, and only store/ speaks
SQL. Outside store/, SQLAlchemy may be imported only for its exception types, the
session types a service is handed, and URL parsing — never to build a statement."""

from __future__ import annotations

import ast
import re
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


# what bot/ may take from store/: connecting and migrating at start-up, and the pure
# value and key helpers; every read and write goes through a service in handlers/
BOT_MAY_USE_FROM_STORE = {"store.db", "store.values", "store.keys", "store.safe_text"}


def test_bot_reaches_the_store_only_through_services() -> None:
    leaks = []
    for p in _files("bot"):
        for module, names in _imports(p):
            used = {f"{module}.{n}" for n in names} if module == "store" else {module}
            leaks += [f"{p.relative_to(ROOT)}: {u}" for u in used
                      if u.split(".")[0] == "store" and u not in BOT_MAY_USE_FROM_STORE]
    assert leaks == []


def test_services_write_through_the_one_unit_of_work() -> None:
    # handlers/deps.py's Deps.unit_of_work is where a transaction begins and commits
    own = [f"{p.relative_to(ROOT)}" for p in _files("bot", "handlers")
           if p != ROOT / "handlers" / "deps.py" and ".begin()" in p.read_text(encoding="utf-8")]
    assert own == []


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


# SQL written as text, the way this code base writes it (keywords in capitals, so
# prose such as "Select the licences from the list" is not taken for a statement),
# and the database functions a handler once called
RAW_SQL = re.compile(
    r"\b(?:SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|PRAGMA\s"
    r"|(?:CREATE|DROP|ALTER|TRUNCATE)\s+(?:TABLE|INDEX|DATABASE|EXTENSION)\s)"
    r"|\b(?:hashtext|pg_\w+|sqlite_\w+)\s*\(|\b(?i:select\s+[\w.,*\s]+\s+from\s+\w+\s+where)\b")


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_sql_text_outside_store() -> None:
    leaks = [f"{p.relative_to(ROOT)}:{line}: {s[:60]!r}" for p in _files("bot", "handlers")
             for line, s in _strings(p) if RAW_SQL.search(s)]
    assert leaks == []


def test_the_sql_text_check_sees_sql() -> None:
    for sql in ("SELECT 1", "select id, title from patents where id = 1", "INSERT INTO facts VALUES (1)",
                "PRAGMA database_list", "UPDATE facts SET value = 1", "DELETE FROM facts", "hashtext(title)",
                "SELECT pg_advisory_xact_lock(1)", "CREATE TABLE t (x int)"):
        assert RAW_SQL.search(sql), sql
    for prose in ("Select a metric", "Update the figure from the form", "Pick one from the list to select",
                  "select", "Delete the row from Slack?", "Select the licences from the list"):
        assert not RAW_SQL.search(prose), prose


def _repositories() -> list[tuple[Path, ast.AsyncFunctionDef | ast.FunctionDef]]:
    out = []
    for p in _files("store"):
        if "migrations" in p.parts:
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        out += [(p, n) for n in tree.body
                if isinstance(n, ast.AsyncFunctionDef | ast.FunctionDef) and not n.name.startswith("_")]
    return out


def test_one_session_convention_in_store() -> None:
    """Repositories take the caller's `session`, keyword-only, and never a
    sessionmaker: the service that calls them owns the transaction."""
    wrong = []
    for p, fn in _repositories():
        args = fn.args
        positional = {a.arg for a in args.posonlyargs + args.args}
        every = positional | {a.arg for a in args.kwonlyargs}
        annotations = {ast.unparse(a.annotation) for a in args.posonlyargs + args.args + args.kwonlyargs
                       if a.annotation is not None}
        if "sessions" in every or any("sessionmaker" in a for a in annotations):
            wrong.append(f"{p.relative_to(ROOT)}: {fn.name} takes a sessionmaker")
        if "session" in positional:
            wrong.append(f"{p.relative_to(ROOT)}: {fn.name} takes session positionally")
    assert wrong == []
