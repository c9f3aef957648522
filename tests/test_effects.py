"""Effects in one place: dialogs and the domain code they call return what to store (`core.types.Outcome`);
`bot.inbox.apply` alone writes it, in the event's transaction. A direct session write in dialogs/ or domain/
would bypass that order (sessions set aside first, one flush, then the sealed audit entries) and is refused
here, except in the modules listed with their reason."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRITES = {"add", "add_all", "flush", "commit", "delete", "merge"}
WRITE_STATEMENTS = {"insert", "update", "delete"}  # a module building these may execute them

# Batch work outside the event path, or sealing as apply writes an entry: each writes on purpose.
ALLOWED = {
    "domain/step1_survey/importer/saving.py": "a batch import from the command line, committed in chunks",
    "domain/access/areas.py": "loading the country's areas and adding villages from the command line",
    "domain/access/audit.py": "a household's key is made on first use (INSERT ... ON CONFLICT DO NOTHING) while "
                              "bot.inbox.apply seals an entry about it",
}


def session_writes(path: Path) -> list[str]:
    """The direct writes in a module: `db.session.<write>(...)`, and `db.session.execute(...)` where the module
    builds insert, update or delete statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    builds_writes = any(isinstance(node, ast.Name) and node.id in WRITE_STATEMENTS
                        or isinstance(node, ast.Attribute) and node.attr in WRITE_STATEMENTS
                        and not _on_session(node) for node in ast.walk(tree))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _on_session(node.func):
            method = node.func.attr
            if method in WRITES or (method == "execute" and builds_writes):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} db.session.{method}")
    return found


def _on_session(node: ast.Attribute) -> bool:
    """`<anything>.session.<attr>`: the Flask-SQLAlchemy session (`db.session`)."""
    return isinstance(node.value, ast.Attribute) and node.value.attr == "session"


def modules() -> list[Path]:
    return sorted(path for package in ("dialogs", "domain") for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_dialogs_and_domain_write_nothing_themselves(path):
    if str(path.relative_to(ROOT)) in ALLOWED:
        pytest.skip(ALLOWED[str(path.relative_to(ROOT))])
    assert session_writes(path) == []


def test_the_scan_finds_each_kind_of_write(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlalchemy import update\n"
                      "db.session.add(x)\ndb.session.flush()\ndb.session.execute(update(X))\n"
                      "db.session.scalar(select(X))\n")
    assert session_writes(sample) == ["sample.py:2 db.session.add", "sample.py:3 db.session.flush",
                                      "sample.py:4 db.session.execute"]


def test_every_allowed_module_exists_and_still_writes():
    for name in ALLOWED:
        assert session_writes(ROOT / name), f"{name} no longer writes: take it off the list"
