"""Run the emulator in the foreground: `python -m emulator --port 5100 [--latency-ms 0]`."""

import argparse
import contextlib
import os
import sys

from emulator.platform import Platform
from emulator.server import EmulatorServer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="A fake LINE Messaging API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every API answer")
    args = parser.parse_args()
    secret = os.environ.get("LINE_CHANNEL_SECRET")
    token = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN")
    if not secret or not token:
        sys.exit("error: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN to the bot's values")
    platform = Platform(secret, token)
    platform.latency_ms = args.latency_ms
    server = EmulatorServer(platform, host=args.host, port=args.port)
    print(f"LINE platform emulator on {server.url} (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
