"""Web contributions of plugins: templates, static folders, start-up and shut-down, CLI
commands and Piccolo apps; and the notification hooks no domain calls yet."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from litestar import Request, get
from litestar.response import Template

from podium.core.pages import render
from podium.core.plugins import PluginLoadError
from podium.core.testing import make_plugin, plugin_host, set_plugin_enabled


@get("/templated-demo", include_in_schema=False)
async def templated_demo(request: Request) -> Template:
    """A plugin page rendering the plugin's own template."""
    return render(request, "demo/page.html", {"who": "plugin"})


@pytest.mark.hooks("podium_template_dirs", "podium_routes")
async def test_template_dirs_are_searched_before_core(tmp_path, podium_app_factory,
                                                      podium_client_factory):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "page.html").write_text(
        "{% extends layout %}{% block title %}Demo{% endblock %}"
        "{% block content %}<p id='demo'>made by {{ who }}</p>{% endblock %}"
    )
    # Override a core template; the original stays reachable with the core: prefix.
    (tmp_path / "partial.html").write_text(
        "<div class='plugin-partial'>{% block content %}{% endblock %}</div>"
    )
    plugin = make_plugin("templated", podium_template_dirs=lambda: [tmp_path],
                         podium_routes=lambda: [templated_demo])
    app = podium_app_factory(plugins=[], extra=[plugin])
    client = await podium_client_factory(app)
    await set_plugin_enabled(app, "templated")
    page = await client.get("/templated-demo")
    assert page.status_code == 200
    assert "<p id='demo'>made by plugin</p>" in page.text and "<html" in page.text
    partial = await client.htmx("GET", "/templated-demo")
    assert "plugin-partial" in partial.text and "made by plugin" in partial.text
    env = app.template_engine.engine
    assert "plugin-partial" not in env.get_template("core:partial.html").render()


@pytest.mark.hooks("podium_static_dirs")
async def test_static_dirs_are_served(tmp_path, podium_app_factory, podium_client_factory):
    (tmp_path / "demo.css").write_text("body { color: red }")
    plugin = make_plugin("styled", default_enabled=False,
                         podium_static_dirs=lambda: {"styled": tmp_path})
    client = await podium_client_factory(podium_app_factory(plugins=[], extra=[plugin]))
    response = await client.get("/static/styled/demo.css")
    assert response.status_code == 200 and "color: red" in response.text
    assert (await client.get("/static/styled/missing.css")).status_code == 404


@pytest.mark.hooks("podium_static_dirs")
def test_a_static_mount_claimed_twice_stops_start_up(tmp_path, podium_app_factory):
    one = make_plugin("one", podium_static_dirs=lambda: {"shared": tmp_path})
    two = make_plugin("two", podium_static_dirs=lambda: {"shared": tmp_path})
    with pytest.raises(PluginLoadError, match="'shared' is claimed by plugins 'one' and 'two'"):
        podium_app_factory(plugins=[], extra=[one, two])


@pytest.mark.hooks("podium_startup", "podium_shutdown")
async def test_startup_and_shutdown_hooks_are_awaited(podium_app_factory, podium_client_factory):
    events = []

    async def startup(app):
        events.append(("startup", app.state.plugin_host is not None))

    plugin = make_plugin("lifecycle", scope="global", podium_startup=startup,
                         podium_shutdown=lambda app: events.append(("shutdown", True)))
    app = podium_app_factory(plugins=[], extra=[plugin])
    client = await podium_client_factory(app)
    assert (await client.get("/healthz")).status_code == 200
    assert events == [("startup", True)]
    # podium_client_factory closes the app after the test; run a second app by hand to
    # observe the shut-down.
    second = podium_app_factory(plugins=[], extra=[plugin])
    async with second.lifespan():
        pass
    assert events[-2:] == [("startup", True), ("shutdown", True)]


@pytest.mark.hooks("podium_cli_commands")
def test_cli_commands_are_added_to_podium(monkeypatch):
    from podium.web import assembly, cli

    @click.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        """Say hello."""
        click.echo(f"hello {name}")

    host = plugin_host(extra=[make_plugin("clicky", scope="global", podium_cli_commands=lambda: [greet])])
    clash = click.Command("migrate", callback=lambda: None)
    host2 = plugin_host(extra=[make_plugin("clash", scope="global", podium_cli_commands=lambda: [clash])])
    monkeypatch.setattr(assembly, "make_plugin_host", lambda *a, **k: host)
    own_commands = dict(cli.main.commands)
    monkeypatch.setattr(cli.main, "commands", dict(own_commands))  # restored afterwards
    cli.add_plugin_commands()
    result = CliRunner().invoke(cli.main, ["greet", "Ada"])
    assert result.exit_code == 0 and result.output == "hello Ada\n"

    monkeypatch.setattr(assembly, "make_plugin_host", lambda *a, **k: host2)
    # Afresh: the built-in domains' commands (``tickets``) were added by the first call.
    monkeypatch.setattr(cli.main, "commands", dict(own_commands))
    with pytest.raises(click.ClickException, match="'migrate' clashes"):
        cli.add_plugin_commands()


@pytest.mark.hooks("podium_piccolo_apps")
def test_piccolo_apps_of_plugins_are_registered(monkeypatch):
    from podium.web import assembly

    host = plugin_host(extra=[make_plugin("tables", scope="global",
                                          podium_piccolo_apps=lambda: ["some_plugin.piccolo_app"])])
    monkeypatch.setattr(assembly, "make_plugin_host", lambda *a, **k: host)
    apps = assembly.piccolo_apps()
    assert apps[: len(assembly.CORE_PICCOLO_APPS)] == assembly.CORE_PICCOLO_APPS
    assert apps[-1] == "some_plugin.piccolo_app"
