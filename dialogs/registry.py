"""The dialogs and the menu items of the app, listed in `bot.create_app` and kept on the app.

Nothing registers itself on import: what the bot can do is the list the app was built with, so a test
adds a dialog or a menu item to its app's registry for that test only.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

KEY = "dialogs"


class Registry:
    """`dialogs` (`flow.Dialog`) by name; `menu` items (`menu.Item`) by key, in the order the menu shows them."""

    def __init__(self, dialogs: Iterable, menu: Iterable):
        self.dialogs = {dialog.name: dialog for dialog in dialogs}
        self.menu = {item.key: item for item in menu}


def current() -> Registry:
    """The registry of the app handling this event."""
    return current_app.extensions[KEY]
