"""IPBOT_HOME_SUBJECT decides whose figures a question without a company is about,
and whose facts and licences an import or an admin change records when it names
none — through the real `ipbot` CLI. No company name is written in the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.bot.test_cli import ipbot

ROOT = Path(__file__).resolve().parents[2]
ACME = {"IPBOT_HOME_SUBJECT": "Acme"}


def test_a_configured_home_company_owns_unnamed_imports_and_questions(db_url: str, tmp_path: Path) -> None:
    facts = tmp_path / "facts.csv"
    facts.write_text("metric,period,value,source\nlicensing revenue,2024,US$12 million,Acme annual report 2024\n")
    assert ipbot(db_url, "import", str(facts), cwd=tmp_path, env=ACME).returncode == 0

    out = json.loads(ipbot(db_url, "ask", "licensing revenue 2024", "--json", cwd=tmp_path, env=ACME).stdout)
    assert out["answered"] is True
    assert [(f["subject"], f["value"]) for f in out["facts"]] == [("Acme", "US$12 million")]

    # the seed's figures are another company's now: asked without naming it, they are not Acme's
    seed_year = json.loads(ipbot(db_url, "ask", "licensing revenue 2022", "--json", cwd=tmp_path, env=ACME).stdout)
    assert seed_year["answered"] is False and seed_year["facts"] == []
    named = json.loads(ipbot(db_url, "ask", "Huawei licensing revenue 2022", "--json", cwd=tmp_path, env=ACME).stdout)
    assert named["answered"] is True and named["facts"][0]["value"] == "about US$560 million"


def test_an_admin_change_and_a_licence_belong_to_the_home_company(db_url: str, tmp_path: Path) -> None:
    env = {**ACME, "IPBOT_ADMINS": "UADMIN"}
    assert ipbot(db_url, "--as", "UADMIN", "set", "valid patents 2025 = 900", cwd=tmp_path, env=env).returncode == 0
    assert ipbot(db_url, "--as", "UADMIN", "licensee", "add", "Ericsson", "signed:2025-03",
                 cwd=tmp_path, env=env).returncode == 0
    fact = json.loads(ipbot(db_url, "ask", "valid patents 2025", "--json", cwd=tmp_path, env=ACME).stdout)
    assert [(f["subject"], f["value"]) for f in fact["facts"]] == [("Acme", "900")]
    lic = json.loads(ipbot(db_url, "ask", "licensee Ericsson", "--json", cwd=tmp_path, env=ACME).stdout)
    assert [(x["licensee"], x["licensor"]) for x in lic["licences"]] == [("Ericsson", "Acme")]


def test_no_company_name_is_written_in_the_code() -> None:
    # data, not code: the seed facts (migration 0002), the setting's documented default,
    # and the Chinese word list, which translates the name like any other word
    allowed = {ROOT / p for p in ("store/migrations/versions/0002_seed_facts.py", "bot/config.py",
                                   "handlers/lexicon.py")}
    code = [p for d in ("bot", "handlers", "store") for p in sorted((ROOT / d).rglob("*.py")) if p not in allowed]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in code
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"huawei", line, re.I)]
    assert found == []
