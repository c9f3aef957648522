"""A LINE SDK message as the JSON the Messaging API takes, in one pass over its fields.

The SDK's own `to_dict()` serialises a message with pydantic, then serialises each nested model again with its own
`to_dict()` to replace what the first pass gave: the work grows with the nesting, so a reminder (a text with four
quick-reply buttons, each an action) was serialised four levels deep, three times over. Measured on 20,000
caretakers' reminders: `to_dict()` was 63% of a reminder tick's storing time. This walks each model's fields once,
by alias, leaving out those unset (None), as `to_dict()` does; the tests compare the two on every message the
test suite sends (`tests/conftest.py`).

A model that is never changed again can be written once (`once`): the three buttons every reminder of a day has were
27 of the 33 fields walked for each of a tick's 100,000 reminders.
"""

from typing import TypeVar

from pydantic.v1 import BaseModel

from core.types import Later

M = TypeVar("M", bound=BaseModel)
# id of a model marked `once`: the model (kept, so that its id is never reused) and its JSON
_written: dict[int, tuple[BaseModel, dict]] = {}
_PLAIN = frozenset({str, int, float, bool})


def of(message) -> dict:
    """The JSON of a message (`Later`: built now)."""
    if isinstance(message, Later):
        message = message.build()
    return _json(message)


def once(model: M) -> M:
    """Mark a model that is never changed again: its JSON is written now and reused wherever it is sent. For the
    few models made once and sent many times (kept for the process's life)."""
    _written[id(model)] = (model, _json(model))
    return model


def _json(value):
    if type(value) in _PLAIN:  # most fields: asked first, as pydantic's isinstance check is slow
        return value
    if isinstance(value, BaseModel):
        if (written := _written.get(id(value))) is not None:
            return written[1]
        fields = value.__fields__
        return {fields[name].alias: _json(item) for name, item in value.__dict__.items() if item is not None}
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value
