"""Charts from a terminal: `ipbot chart` writes a PNG of a metric over its stored
years, the console writes the chart a trend answer carries and says where, and
`ask --json` states the chart in words. The PNG decodes and carries the values."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from tests.bot.test_cli import ipbot
from tests.conftest import FIXTURES


def _with_years(db_url: str, tmp_path: Path) -> None:
    # 2023 figures on top of the seed's 2022
    assert ipbot(db_url, "import", str(FIXTURES / "facts.csv"), cwd=tmp_path).returncode == 0


def test_chart_command_writes_a_png_with_the_stored_values(db_url: str, tmp_path: Path) -> None:
    _with_years(db_url, tmp_path)
    out = tmp_path / "rd.png"
    res = ipbot(db_url, "chart", "R&D spending", "-o", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"wrote {out}" in res.stdout
    with Image.open(out) as img:
        assert img.format == "PNG" and img.size[0] >= 400
        described = img.info["Description"]
    # the alt text in the file and on the terminal holds every stored year's value
    for value in ("2022: 161.5 billion yuan (CNY)", "2023: 164.7 billion yuan (CNY)"):
        assert value in described and value in res.stdout


def test_a_metric_that_cannot_be_drawn_is_refused_saying_why(db_url: str, tmp_path: Path) -> None:
    one_year = ipbot(db_url, "chart", "licensing revenue", cwd=tmp_path)
    assert one_year.returncode == 1
    assert "needs at least 2 years" in one_year.stderr and "stored: 2022" in one_year.stderr
    unknown = ipbot(db_url, "chart", "coffee consumption", cwd=tmp_path)
    assert unknown.returncode == 1 and "no figures for “coffee consumption”" in unknown.stderr
    assert not list(tmp_path.glob("*.png"))


def test_trend_answers_carry_the_chart(db_url: str, tmp_path: Path) -> None:
    _with_years(db_url, tmp_path)
    out = json.loads(ipbot(db_url, "ask", "R&D spending 2022-2023", "--json", cwd=tmp_path).stdout)
    assert out["answered"] is True
    assert out["chart"]["title"] == "Huawei's R&D spending, 2022–2023"
    assert "2022: 161.5 billion yuan (CNY)" in out["chart"]["alt_text"]
    # a single figure has no chart
    single = json.loads(ipbot(db_url, "ask", "R&D spending 2022", "--json", cwd=tmp_path).stdout)
    assert single["chart"] is None


def test_the_console_writes_a_trend_chart_and_says_where(db_url: str, tmp_path: Path) -> None:
    _with_years(db_url, tmp_path)
    res = ipbot(db_url, "serve", "--console", stdin="R&D spending 2022-2023\nquit\n", cwd=tmp_path,
                env={"TMPDIR": str(tmp_path)})
    line = next(x for x in res.stdout.splitlines() if "Chart: " in x)
    path = Path(line.split("Chart: ", 1)[1])
    assert path.is_file() and path.parent.parent == tmp_path
    with Image.open(path) as img:
        assert img.format == "PNG"
