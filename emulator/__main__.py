"""Run the emulator in the foreground: `python -m emulator --port 5100 [--latency-ms 0] [--line-limits]
[--message-quota N]
[--webhook-url http://127.0.0.1:5000/callback [--demo-identities FILE] | --no-webchat]
[--liff LIFF_ID=ENDPOINT_URL]`; the web chat is at its `/`."""

import argparse
import contextlib
import os
import sys
from pathlib import Path

from emulator import webchat
from emulator.platform import LINE_RATE_LIMITS, Platform
from emulator.server import EmulatorServer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="A fake LINE Messaging API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every API answer")
    parser.add_argument(
        "--webhook-url",
        default="http://127.0.0.1:5000/callback",
        help="the bot's webhook, where the web chat posts users' events (default: %(default)s)",
    )
    parser.add_argument("--line-limits", action="store_true",
                        help="answer 429 past LINE's rate limits (push 2,000 and multicast 200 calls a second)")
    parser.add_argument("--message-quota", type=int, metavar="N",
                        help="messages a month the channel may push (default: no limit)")
    parser.add_argument("--no-webchat", action="store_true", help="serve only the Messaging API, no web chat")
    parser.add_argument(
        "--demo-identities",
        type=Path,
        metavar="FILE",
        help="offer one-click registration in the web chat with the codes in FILE "
        "(written by `flask --app wsgi demo invites`)",
    )
    parser.add_argument(
        "--liff",
        action="append",
        default=[],
        metavar="LIFF_ID=ENDPOINT_URL",
        help="a LIFF app: its links (https://liff.line.me/LIFF_ID/...) open ENDPOINT_URL/... from the web chat, "
        "logged in as the chat's user (repeatable)",
    )
    args = parser.parse_args()
    if args.no_webchat and args.demo_identities:
        parser.error("--demo-identities needs the web chat")
    secret = os.environ.get("LINE_CHANNEL_SECRET")
    token = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN")
    if not secret or not token:
        sys.exit("error: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN to the bot's values")
    platform = Platform(secret, token)
    platform.latency_ms = args.latency_ms
    platform.rate_limits = LINE_RATE_LIMITS if args.line_limits else {}
    platform.message_quota = args.message_quota
    for app in args.liff:
        liff_id, _, endpoint = app.partition("=")
        try:
            platform.add_liff_app(liff_id, endpoint)
        except ValueError as error:
            parser.error(f"--liff {app}: {error}")
    webhook_url = None if args.no_webchat else args.webhook_url
    server = EmulatorServer(platform, host=args.host, port=args.port, webhook_url=webhook_url)
    if args.demo_identities:
        try:
            webchat.use_demo_identities(server.app, args.demo_identities)
        except ValueError as error:
            sys.exit(f"error: {error}")
    print(f"LINE platform emulator on {server.url} (Ctrl-C to stop)", flush=True)
    if webhook_url:
        print(f"Web chat on {server.url}/ posting events to {webhook_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
