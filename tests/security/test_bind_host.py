"""Finding 12 (HTTP bind address): `ipbot serve --http` always listened on 0.0.0.0,
so a bot meant to sit behind a reverse proxy on the same machine was reachable
from every network it was on. IPBOT_HOST (or `--host`) sets the address; 0.0.0.0
stays the default, which is what a container needs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import psutil
import pytest

from tests.standin_slack import StandinSlack
from tests.test_replicas import _env, _free_port

ROOT = Path(__file__).resolve().parents[2]


async def _listening_on(db_url: str, extra_env: dict[str, str], flags: list[str]) -> set[str]:
    """The addresses a real `ipbot serve --http` process listens on, as `ss -ltn` shows them."""
    standin = await StandinSlack().start()
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--http", "--port", str(port), *flags,
        env={**_env(db_url, standin), **extra_env}, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert b"listening" in line, line
        conns = psutil.Process(proc.pid).net_connections(kind="tcp")
        return {c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN and c.laddr.port == port}
    finally:
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
        await standin.stop()


@pytest.mark.parametrize(("env", "flags", "expected"), [
    ({}, [], {"0.0.0.0"}),
    ({"IPBOT_HOST": "127.0.0.1"}, [], {"127.0.0.1"}),
    ({"IPBOT_HOST": "0.0.0.0"}, ["--host", "127.0.0.1"], {"127.0.0.1"}),
], ids=["default-every-interface", "IPBOT_HOST", "--host-wins"])
async def test_serve_listens_where_it_is_told(db_url: str, env: dict[str, str], flags: list[str],
                                             expected: set[str]) -> None:
    assert await _listening_on(db_url, env, flags) == expected
