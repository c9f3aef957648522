"""What an operator reads in the logs: one line per event handled and per message delivered, with ids and timings,
never what people typed; `transitions`' state changes held back; JSON lines when asked for."""

import json
import logging

from bot.logs import JsonFormatter
from models import db
from tests.helpers import add_staff, settle

TYPED = "นางมาลี ทองดี 081-234-5678"


def test_each_event_and_delivery_is_one_line_with_ids_and_timings_and_nothing_typed(app, new_user, caplog):
    chat = new_user()
    with app.app_context():
        add_staff(chat.user_id, "volunteer", "30060101")
        db.session.commit()
    with caplog.at_level(logging.INFO):
        chat.postback("menu=add_household")  # a dialog: its state changes would be transitions' INFO lines
        chat.say(TYPED)
        settle(app)
    lines = [record.getMessage() for record in caplog.records]
    handled = [line for line in lines if line.startswith("event ") and " handled in " in line]
    sent = [line for line in lines if line.startswith("outbox ") and " sent in " in line]
    assert len(handled) == 2 and all(" ms" in line for line in handled)
    assert len(sent) == 2 and all("after it was queued" in line for line in sent)
    assert any("(postback)" in line for line in handled) and any("(message)" in line for line in handled)
    assert not any(TYPED in line or "มาลี" in line for line in lines)
    assert not [record for record in caplog.records if record.name.startswith("transitions")]


def test_json_lines_for_a_log_collector():
    record = logging.LogRecord("bot.inbox", logging.INFO, __file__, 1, "event %s handled in %.0f ms", ("E1", 12.3),
                               None)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "INFO" and line["logger"] == "bot.inbox" and line["message"] == "event E1 handled in 12 ms"
    assert line["time"].endswith("Z")
