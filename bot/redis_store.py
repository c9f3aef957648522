"""The app's Redis: a real server when REDIS_URL is set, an in-process stand-in otherwise.

Used for the de-duplication fast path, the rich-menu locks and (with a real server) the RQ
queue of events. Nothing durable lives only here: the database is the record.
"""

import fakeredis
import redis
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    if url:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    else:
        client = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    app.extensions["redis"] = client


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
