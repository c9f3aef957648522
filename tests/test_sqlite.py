"""The embedded database's one connection: webhook requests, which LINE waits on, go before jobs."""

import threading

from sqlalchemy import create_engine

from bot import jobs, sqlite
from tests.helpers import wait_until


def waiting_for_the_connection(pool) -> int:
    """Threads blocked on the pool: in its queue, or (jobs) waiting for their turn to join it."""
    return len(pool._pool.not_empty._waiters) + len(pool._turn._waiters)


def test_a_webhook_request_is_served_before_jobs_that_were_waiting_longer(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}", **sqlite.ENGINE_OPTIONS)
    order, holding, let_go = [], threading.Event(), threading.Event()

    def use_connection(name: str, background: bool, hold: bool = False) -> None:
        if background:
            jobs._mark_background()
        with engine.connect():
            order.append(name)
            if hold:
                holding.set()
                let_go.wait(10)

    def start(*args) -> threading.Thread:
        thread = threading.Thread(target=use_connection, args=args)
        thread.start()
        return thread

    threads = [start("job holding it", True, True)]
    holding.wait(10)
    threads += [start(f"job {i}", True) for i in range(3)]
    wait_until(lambda: waiting_for_the_connection(engine.pool) == 3, message="jobs queue for the connection")
    threads.append(start("request", False))
    wait_until(lambda: waiting_for_the_connection(engine.pool) == 4, message="the request queues too")
    let_go.set()
    for thread in threads:
        thread.join(10)
    assert order[:2] == ["job holding it", "request"]
    assert sorted(order[2:]) == ["job 0", "job 1", "job 2"]
    engine.dispose()


def start_busy_job(engine, order: list, first: str, second: str) -> tuple[threading.Thread, threading.Event]:
    """A job of two transactions, one after the other (a drain of many events, a tick), started and holding the
    connection in its first until the event returned is set."""
    holding, let_go = threading.Event(), threading.Event()

    def job() -> None:
        jobs._mark_background()
        with engine.connect():
            order.append(first)
            holding.set()
            let_go.wait(10)
        with engine.connect():
            order.append(second)

    thread = threading.Thread(target=job)
    thread.start()
    holding.wait(10)
    return thread, let_go


def test_a_job_giving_the_connection_back_does_not_take_it_again_before_a_waiting_request(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}", **sqlite.ENGINE_OPTIONS)
    order = []

    def request() -> None:
        with engine.connect():
            order.append("request")

    busy, let_go = start_busy_job(engine, order, "job, first transaction", "job, second transaction")
    threads = [busy, threading.Thread(target=request)]
    threads[1].start()
    wait_until(lambda: waiting_for_the_connection(engine.pool) == 1, message="the request queues")
    let_go.set()
    for thread in threads:
        thread.join(10)
    assert order == ["job, first transaction", "request", "job, second transaction"]
    engine.dispose()


def test_jobs_take_the_connection_in_the_order_they_asked_for_it(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}", **sqlite.ENGINE_OPTIONS)
    order = []

    def job(name: str) -> None:
        jobs._mark_background()
        with engine.connect():
            order.append(name)

    busy, let_go = start_busy_job(engine, order, "busy job", "busy job again")
    threads = [busy]
    for i in range(3):  # each asks after the one before
        threads.append(threading.Thread(target=job, args=(f"job {i}",)))
        threads[-1].start()
        wait_until(lambda n=i + 1: waiting_for_the_connection(engine.pool) == n, message=f"job {i} queues")
    let_go.set()
    for thread in threads:
        thread.join(10)
    assert order == ["busy job", "job 0", "job 1", "job 2", "busy job again"]
    engine.dispose()
