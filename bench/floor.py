"""The lean Bolt floor: a bare slack-bolt AsyncApp that answers `/ip` with a
constant inside its acknowledgement (`process_before_response=True`), served by
Bolt's own aiohttp adapter. bench/run.py times it side by side with
`ipbot serve --http`, with the same signed requests, so the ratio of the two p99s
says what ipbot's own work costs on the ack path.

    python -m bench.floor --port 3999   # env: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL
"""

from __future__ import annotations

import argparse
import asyncio
import os

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def floor_app() -> AsyncApp:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ.get("SLACK_API_URL") or
                            "https://slack.com/api/")
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=True)

    @app.command("/ip")
    async def answer(ack: AsyncAck) -> None:
        await ack(response_type="ephemeral", text="Huawei's licensing revenue in 2023: about US$630 million")

    return app


async def serve(port: int) -> None:
    app = floor_app()

    async def events(request: web.Request) -> web.Response:
        bolt_resp = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_resp)

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"listening on 127.0.0.1:{port}/slack/events", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    asyncio.run(serve(p.parse_args().port))


if __name__ == "__main__":
    main()
