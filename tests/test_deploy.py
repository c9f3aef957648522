"""docs/deploy: the systemd units run commands that exist, restart on failure, and the settings list every one
production needs (the README's block as well)."""

import ast
import re
import shlex
import sys
from pathlib import Path

import pytest
from gunicorn.config import Config as GunicornConfig

from bot import create_app
from bot.config import secret_keys
from tests.helpers import base_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
CHECKOUT = "/opt/frontline-bot"
VENV_BIN = Path(sys.executable).parent
# What production sets beyond the defaults: everything Config.validate requires, and what the defaults get wrong
# for more than one process on more than one machine.
PRODUCTION = {"DATABASE_URL", "REDIS_URL", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", *secret_keys(),
              "LINE_LOGIN_CHANNEL_ID", "LIFF_ID", "PUBLIC_BASE_URL", "PROMETHEUS_MULTIPROC_DIR"}
SERVICES = sorted(DEPLOY.glob("*.service"))


def unit(path: Path) -> dict[str, list[str]]:
    """A unit file's settings as `Section.Key` -> values (a key may repeat, as ExecStart does in a oneshot)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.setdefault(f"{section}.{key}", []).append(value)
    return settings


def test_there_are_units_for_the_setup_the_web_processes_and_the_workers():
    assert [path.name for path in SERVICES] == ["frontline-bot-setup.service", "frontline-bot-web.service",
                                                "frontline-bot-worker@.service"]
    wanted = unit(DEPLOY / "frontline-bot.target")["Unit.Wants"][0].split()
    assert wanted == ["frontline-bot-web.service", "frontline-bot-worker@1.service", "frontline-bot-worker@2.service"]


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_each_unit_runs_from_the_checkout_with_the_settings_and_restarts_on_failure(path):
    settings = unit(path)
    assert settings["Service.WorkingDirectory"] == [CHECKOUT]
    assert settings["Service.EnvironmentFile"] == ["/etc/frontline-bot/env"]
    if settings["Service.Type"] != ["oneshot"]:
        assert settings["Service.Restart"] == ["on-failure"]
        assert settings["Unit.Requires"] == ["frontline-bot-setup.service"]


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_each_command_of_a_unit_exists(path, emulator, tmp_path):
    """Each ExecStart names a program of the checkout's .venv (here: this one's) or of the system, and what it
    runs exists: the flask command, gunicorn's options and its app."""
    for command in unit(path)["Service.ExecStart"]:
        program, *args = shlex.split(command)
        if not program.startswith(f"{CHECKOUT}/.venv/bin/"):
            assert Path(program).is_file(), command
            continue
        name = Path(program).name
        assert (VENV_BIN / name).is_file(), f"{name} is not installed in .venv"
        if name == "flask":
            assert args[:2] == ["--app", "wsgi"]
            app = create_app(base_config(emulator.url) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"})
            result = app.test_cli_runner().invoke(args=[*args[2:], "--help"])
            assert result.exit_code == 0, f"{command}: {result.output}"
        else:
            assert name == "gunicorn"
            options = GunicornConfig().parser().parse_args(args)
            module, _, variable = options.args[0].partition(":")
            tree = ast.parse((ROOT / f"{module}.py").read_text())
            assigned = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                        for target in node.targets if isinstance(target, ast.Name)}
            assert variable in assigned, f"{module}.py defines no {variable}"


def test_the_settings_file_and_the_readme_list_every_setting_production_needs():
    template = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / "frontline-bot.env").read_text(), re.MULTILINE))
    assert template >= PRODUCTION, f"docs/deploy/frontline-bot.env lacks {sorted(PRODUCTION - template)}"
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Production"):readme.index("## The LINE emulator")]
    block = production[production.index("**The settings**"):]
    block = block[block.index("```sh"):block.index("```", block.index("```sh") + 5)]
    listed = set(re.findall(r"^\s*([A-Z_]+)=", block, re.MULTILINE))
    assert listed >= PRODUCTION, f"the README's settings block lacks {sorted(PRODUCTION - listed)}"
