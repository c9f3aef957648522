"""The baseline: line-bot-sdk's echo pattern, served like the bot (`gunicorn bench.echo_app:app`).

Parse with `WebhookParser`, answer each text message inside the request with
`MessagingApi.reply_message`, no database. Reads the bot's variables: LINE_CHANNEL_SECRET,
LINE_CHANNEL_ACCESS_TOKEN and LINE_API_BASE (the emulator's URL in the benchmark).
The one API client is shared by all request threads, its connection pool sized to
ECHO_POOL_SIZE (default 32), so the baseline is not handicapped by re-connecting.
"""

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent

configuration = Configuration(host=os.environ.get("LINE_API_BASE") or "https://api.line.me",
                              access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"])
configuration.connection_pool_maxsize = int(os.environ.get("ECHO_POOL_SIZE", "32"))
parser = WebhookParser(os.environ["LINE_CHANNEL_SECRET"])
api = MessagingApi(ApiClient(configuration))

app = Flask(__name__)


@app.post("/callback")
def callback():
    signature = request.headers.get("X-Line-Signature", "")
    body = request.get_data(as_text=True)
    try:
        events = parser.parse(body, signature)
    except InvalidSignatureError:
        abort(400)
    for event in events:
        if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
            api.reply_message(ReplyMessageRequest(reply_token=event.reply_token,
                                                  messages=[TextMessage(text=event.message.text)]))
    return "OK"
