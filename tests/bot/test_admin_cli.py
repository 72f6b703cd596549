"""`ipbot set|remove|alias|licensee|history|undo|admins` and `ipbot import` as an
operator runs them: a real process against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES


def ipbot(db_url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IPBOT_"))}
    env["DATABASE_URL"] = db_url
    # the installed `ipbot` script, as an operator runs it
    exe = str(Path(sys.executable).with_name("ipbot"))
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_set_history_and_undo_from_the_terminal(db_url: str, tmp_path: Path) -> None:
    res = ipbot(db_url, "--as", "U0OPS", "set", "licensing revenue 2023 = US$630 million source: Huawei AR 2023",
                cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "Set licensing revenue, 2023: US$630 million (source Huawei AR 2023) — was: none"
    assert "US$630 million" in ipbot(db_url, "ask", "licensing revenue 2023", cwd=tmp_path).stdout
    # words may also come unquoted, as typed in Slack
    res = ipbot(db_url, "--as", "U0OPS", "set", "chief", "legal", "officer", "=", "Song Liuping", cwd=tmp_path)
    assert res.returncode == 0 and "nothing changed" in res.stdout
    hist = ipbot(db_url, "history", "licensing", "revenue", cwd=tmp_path)
    assert hist.returncode == 0
    assert "U0OPS set licensing revenue, 2023: none → US$630 million (source Huawei AR 2023)" in hist.stdout
    undo = ipbot(db_url, "--as", "U0OPS", "undo", cwd=tmp_path)
    assert undo.returncode == 0 and "licensing revenue, 2023 removed again" in undo.stdout
    again = ipbot(db_url, "--as", "U0OPS", "undo", cwd=tmp_path)
    assert again.returncode == 1 and "Nothing to undo" in again.stderr


def test_suspicious_change_needs_yes(db_url: str, tmp_path: Path) -> None:
    res = ipbot(db_url, "set", "licensing revenue 2023 = 4.4 billion yuan", cwd=tmp_path)
    assert res.returncode != 0
    assert "unit changes from USD to CNY" in res.stderr and "--yes" in res.stderr
    assert "no changes recorded" in ipbot(db_url, "history", "licensing revenue", cwd=tmp_path).stdout.lower()
    ok = ipbot(db_url, "set", "licensing revenue 2023 = 4.4 billion yuan", "--yes", cwd=tmp_path)
    assert ok.returncode == 0 and ok.stdout.startswith("Set licensing revenue, 2023: 4.4 billion yuan")


def test_bad_command_explains_and_exits_nonzero(db_url: str, tmp_path: Path) -> None:
    res = ipbot(db_url, "set", "licensing revenue 2023 US$630 million", cwd=tmp_path)
    assert res.returncode == 1
    assert "Use: set <metric> [year] = <value>" in res.stderr
    assert "Traceback" not in res.stderr


def test_licensee_alias_remove_and_admins(db_url: str, tmp_path: Path) -> None:
    add = ipbot(db_url, "licensee", "add", "Ericsson", "signed:2023-08", "kind:cross-licence",
                "technology:cellular", cwd=tmp_path)
    assert add.returncode == 0, add.stderr
    assert "Ericsson" in ipbot(db_url, "ask", "licensees 2023", cwd=tmp_path).stdout
    assert ipbot(db_url, "alias", "royalty cash = licensing revenue", cwd=tmp_path).returncode == 0
    assert "about US$560 million" in ipbot(db_url, "ask", "royalty cash 2022", cwd=tmp_path).stdout
    rm = ipbot(db_url, "remove", "licensing revenue 2022", cwd=tmp_path)
    assert rm.returncode == 0 and "was: about US$560 million" in rm.stdout
    assert ipbot(db_url, "admins", "add", "U0NEW", cwd=tmp_path).returncode == 0
    assert "U0NEW" in ipbot(db_url, "admins", cwd=tmp_path).stdout


def test_import_lens_export_dry_run_then_real_then_again(db_url: str, tmp_path: Path) -> None:
    lens = str(FIXTURES / "lens_sample.csv")
    dry = ipbot(db_url, "import", lens, "--map", "lens", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert ("patents: 4 added, 0 updated, 0 unchanged, 0 rejected; read as UTF-8 (dry run: nothing written)"
            in dry.stdout)
    assert "warning: ignored columns: #, Lens ID" in dry.stderr
    real = ipbot(db_url, "import", lens, "--map", "lens", cwd=tmp_path)
    assert real.stdout.strip() == "patents: 4 added, 0 updated, 0 unchanged, 0 rejected; read as UTF-8"
    again = ipbot(db_url, "import", lens, "--map", "lens", cwd=tmp_path)
    assert again.stdout.strip() == "patents: 0 added, 0 updated, 4 unchanged, 0 rejected; read as UTF-8"
    google = ipbot(db_url, "import", str(FIXTURES / "google_sample.csv"), "--map", "google-patents", cwd=tmp_path)
    assert google.stdout.strip() == "patents: 2 added, 1 updated, 0 unchanged, 0 rejected; read as UTF-8"
    found = ipbot(db_url, "ask", "patents lane keeping", cwd=tmp_path)
    assert "US 9999001 B2" in found.stdout


def test_rejected_import_lists_every_line_and_writes_nothing(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "facts.csv"
    bad.write_text("subject,metric,period,value,unit,qualifier,source\n"
                   "Huawei,valid patents,2031,over 150000,,,AR\n"
                   "Huawei,valid patents,2031,over 160000,,,AR\n"
                   "Huawei,r&d spending,2031,lots,CNY,,AR\n")
    res = ipbot(db_url, "import", str(bad), cwd=tmp_path)
    assert res.returncode == 1
    assert "line 3: duplicate of line 2" in res.stderr
    assert "line 4: value “lots” is not a number but unit is CNY" in res.stderr
    assert "2 rejected" in res.stdout
    assert "no figure" in ipbot(db_url, "ask", "valid patents 2031", cwd=tmp_path).stdout.lower()
    unknown = ipbot(db_url, "import", str(bad), "--map", "nosuch.json", cwd=tmp_path)
    assert unknown.returncode == 1 and "not lens, google-patents" in unknown.stderr
