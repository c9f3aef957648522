"""The committed dialog diagrams are the ones the dialogs' Machines draw today."""

from bot import DIALOGS
from dialogs.diagrams import DOCS_DIR, render


def test_committed_diagrams_are_up_to_date():
    for dialog in DIALOGS:
        path = DOCS_DIR / f"{dialog.name}.md"
        assert path.exists(), f"{path} missing: run `flask --app wsgi dialogs diagrams`"
        assert path.read_text(encoding="utf-8") == render(dialog), \
            f"{path} is out of date: run `flask --app wsgi dialogs diagrams`"


def test_a_diagram_shows_each_branch_with_its_condition():
    text = render(next(dialog for dialog in DIALOGS if dialog.name == "registration"))
    assert "position --> position_other: advance [other_position]" in text
    assert "confirm --> name: advance [not_confirmed]" in text and "[*] --> code" in text
