"""A stand-in for the LINE Messaging API platform, so the bot runs without a LINE account."""

from emulator.driver import LineDriver
from emulator.platform import Delivery, Gate, Platform, PlatformError
from emulator.server import EmulatorServer, create_app

__all__ = ["Delivery", "EmulatorServer", "Gate", "LineDriver", "Platform", "PlatformError", "create_app"]
