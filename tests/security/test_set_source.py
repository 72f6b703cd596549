"""Finding 12 (source): `set … source: …` dropped a trailing ")" from the source, so
"Annual Report (2023)" was stored as "Annual Report (2023". Only the ")" that
closes a "(source: …)" written around the source is taken off."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.test_admin_cli import ipbot


@pytest.mark.parametrize(("typed", "stored"), [
    ("licensing revenue 2023 = US$630 million source: Huawei Annual Report (2023)", "Huawei Annual Report (2023)"),
    ("licensing revenue 2023 = US$630 million (source: Huawei Annual Report (2023))",
     "Huawei Annual Report (2023)"),
    ("licensing revenue 2023 = US$630 million (source: Huawei Annual Report 2023)", "Huawei Annual Report 2023"),
])
def test_the_source_keeps_its_closing_bracket(db_url: str, tmp_path: Path, typed: str, stored: str) -> None:
    res = ipbot(db_url, "--as", "U0OPS", "set", typed, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"(source {stored}) — was: none" in res.stdout
    out = ipbot(db_url, "export", "--kind", "facts", cwd=tmp_path).stdout
    assert f",{stored}\n" in out or f',"{stored}"\n' in out
