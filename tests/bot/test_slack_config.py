"""`ipbot serve` picks its mode from flags and credentials, and refuses partial or
malformed Slack credentials with a message naming the variable."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.serve import choose_mode
from tests.bot.slack_harness import APP_TOKEN, BOT_TOKEN, SECRET


def _settings(**env: str) -> Settings:
    return Settings(_env_file=None, DATABASE_URL="sqlite:///x.db", **env)  # type: ignore[call-arg]


def _args(**flags: object) -> argparse.Namespace:
    base: dict[str, object] = {"http": False, "socket": False, "console": False, "port": None}
    base.update(flags)
    return argparse.Namespace(**base)


@pytest.mark.parametrize(("env", "flags", "mode"), [
    ({}, {}, "console"),
    ({"SLACK_BOT_TOKEN": "  "}, {}, "console"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}, {}, "http"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}, {}, "socket"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_APP_TOKEN": APP_TOKEN},
     {"http": True}, "http"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}, {"console": True}, "console"),
])
def test_mode_is_chosen_from_flags_and_credentials(env: dict, flags: dict, mode: str) -> None:
    assert choose_mode(_settings(**env), _args(**flags)) == mode


@pytest.mark.parametrize(("env", "flags", "names"), [
    ({"SLACK_BOT_TOKEN": BOT_TOKEN}, {}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_SIGNING_SECRET": SECRET}, {}, "SLACK_BOT_TOKEN"),
    ({"SLACK_APP_TOKEN": APP_TOKEN}, {}, "SLACK_BOT_TOKEN"),
    ({}, {"http": True}, "SLACK_BOT_TOKEN"),
    ({}, {"socket": True}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}, {"socket": True}, "SLACK_APP_TOKEN"),
    ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": SECRET}, {}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": SECRET}, {}, "SLACK_BOT_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": BOT_TOKEN}, {}, "SLACK_APP_TOKEN"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "short"}, {}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": "localhost:9"}, {},
     "SLACK_API_URL"),
])
def test_partial_or_malformed_credentials_are_refused_by_name(env: dict, flags: dict, names: str) -> None:
    with pytest.raises(ConfigError) as exc:
        choose_mode(_settings(**env), _args(**flags))
    assert names in str(exc.value)
    # the message never echoes a secret back
    for v in env.values():
        if v.startswith(("xox", "xapp")) or v == SECRET:
            assert v not in str(exc.value)


def test_refusal_at_start_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IPBOT_", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/ipbot.db", SLACK_BOT_TOKEN=BOT_TOKEN)
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--http"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert BOT_TOKEN not in proc.stderr + proc.stdout
