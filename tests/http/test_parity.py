"""Every action of the command line has its route: the CLI's commands are listed from click
itself, so a new command without a route (or a reason to have none) fails here."""

from __future__ import annotations

import click

from cashmatch.cli import cli
from cashmatch.http.app import create_app

#: command → the routes doing the same over HTTP (method, path as the OpenAPI document has it).
ROUTES = {
    "identify": [("post", "/statements/parse")],
    "statements import": [("post", "/statements")],
    "statements parse": [("post", "/statements/parse")],
    "statements list": [("get", "/statements")],
    "items import": [("post", "/items/file"), ("post", "/items")],
    "items list": [("get", "/items")],
    "movements list": [("get", "/movements")],
    "customer": [("get", "/customers/{party_id}")],
    "history": [("get", "/decisions")],
    "match": [("post", "/match")],
    "run": [("post", "/statements"), ("post", "/match")],
    "explain": [("get", "/movements/{movement_id}")],
    "replay": [("get", "/replay")],
    "rules check": [("get", "/rules/check")],
    "rules fit": [("get", "/rules/fit")],
    "aliases list": [("get", "/aliases")],
    "aliases remove": [("delete", "/aliases/{alias_id}")],
    "review list": [("get", "/review")],
    "review show": [("get", "/review/{review_id}")],
    "review accept": [("post", "/review/{review_id}/accept"), ("post", "/review/accept-above")],
    "review assign": [("post", "/review/{review_id}/assign")],
    "review writeoff": [("post", "/review/{review_id}/writeoff")],
    "review approvals": [("get", "/approvals")],
    "review approve": [("post", "/approvals/{approval_id}/approve")],
    "review reject": [("post", "/approvals/{approval_id}/reject")],
    "review suspense": [("post", "/review/{review_id}/suspense")],
    "review ignore": [("post", "/review/{review_id}/ignore")],
    "review reopen": [("post", "/review/{review_id}/reopen")],
    "review post": [("post", "/review/{review_id}/post")],
    "review credit": [("post", "/review/{review_id}/credit")],
    "review refund": [("post", "/review/{review_id}/refund")],
    "reclass": [("post", "/movements/{movement_id}/reclass")],
    "unmatch": [("post", "/movements/{movement_id}/unmatch")],
    "export matches": [("get", "/matches"), ("get", "/exports/{what}")],
    "export journal": [("get", "/journal"), ("get", "/exports/{what}")],
    "fec check": [("post", "/fec/check")],
    "report aged": [("get", "/reports/aged"), ("get", "/reports/{kind}.png")],
    "report dso": [("get", "/reports/dso")],
    "report delays": [("get", "/reports/delays")],
    "report kpis": [("get", "/reports/kpis"), ("get", "/reports/{kind}.png")],
    "report today": [("get", "/reports/today")],
    "report bankrec": [("get", "/reports/bankrec")],
    "users add": [("post", "/users")],
    "users list": [("get", "/users")],
    "users disable": [("post", "/users/{name}/disable")],
}
#: Commands that are not actions on a running service's store, and why.
LOCAL = {
    "init": "creates or upgrades a store file; the service opens (and upgrades) its own",
    "serve": "starts the service",
    "demo": "writes a fresh store and exports of the bundled samples into a folder",
}


def _leaves(group: click.Group, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _leaves(cmd, (*path, name))
        else:
            yield " ".join((*path, name))


def test_every_cli_action_has_its_route(tmp_path) -> None:
    paths = create_app(tmp_path / "p.duckdb", {"t": "admin"}).openapi()["paths"]
    commands = set(_leaves(cli))
    assert commands - ROUTES.keys() - LOCAL.keys() == set(), "a command without a route"
    assert ROUTES.keys() - commands == set(), "a route for a command that is gone"
    missing = [(cmd, method, path) for cmd, routes in ROUTES.items() for method, path in routes
               if method not in paths.get(path, {})]
    assert missing == []
