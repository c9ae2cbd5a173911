"""`earful serve`, `earful users add`, `earful token create`: the dashboard and who may use it."""

from __future__ import annotations

import getpass
import os
from typing import Annotated, Optional

import typer

from earful.cli import app
from earful.cli._common import DbOption, console, fail
from earful.errors import EarfulError
from earful.store import connect, resolve_path

users_app = typer.Typer(help="People who may sign in to the dashboard.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for the REST API.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(token_app, name="token")


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the dashboard and the REST API over the store."""
    import uvicorn

    from earful.web import create_app

    path = resolve_path(db)
    if not path.exists():
        raise fail(f"no earful store at {path}: run `earful ingest` first")
    web = create_app(path)
    con = web.state.earful.con
    if not con.execute("SELECT count(*) FROM web_users").fetchone()[0]:
        console.print("[yellow]no users yet[/]: add one with `earful users add NAME --role admin`")
    web.state.earful.warm()  # compute the overview aggregates in the background before the first visit
    console.print(f"earful dashboard on [bold]http://{host}:{port}/[/] (store {path}); Ctrl+C stops it")
    uvicorn.run(web, host=host, port=port, log_level="warning", timeout_keep_alive=30)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Login name.", show_default=False)],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, department, executive, supervisor or agent.")] = "analyst",
    department: Annotated[Optional[str], typer.Option("--department", help="The department (department role).")] = None,
    agent: Annotated[Optional[str], typer.Option("--agent", help="The agent id (agent role: sees only their own page).")] = None,
    team: Annotated[Optional[str], typer.Option("--team", help="The team (supervisor role: sees their team's agents).")] = None,
    password: Annotated[Optional[str], typer.Option(
        "--password", envvar="EARFUL_PASSWORD", help="Password (asked for when not given).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Reset an existing user's password and role.")] = False,
    db: DbOption = None,
) -> None:
    """Add a user (argon2-hashed password) who may sign in with the given role."""
    from earful.web.auth import add_user

    if password is None:
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise fail("the two passwords differ")
    con = connect(db)
    try:
        user = add_user(con, name, password, role, department, replace=replace, agent_id=agent, team=team)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
    console.print(f"user [bold]{user.name}[/] ({user.role}{', ' + user.department if user.department else ''}) ready")


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List users and roles."""
    from earful.web.auth import list_users

    con = connect(db)
    for u in list_users(con):
        flag = "\tdisabled" if u["disabled"] else ""
        console.print(f"{u['name']}\t{u['role']}\t{u['department'] or ''}{flag}", highlight=False)
    con.close()


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.", show_default=False)],
    label: Annotated[Optional[str], typer.Option(help="What the token is for.")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires (0 = never).")] = 90,
    db: DbOption = None,
) -> None:
    """Create an API token (printed once) for `Authorization: Bearer TOKEN`."""
    from earful.web.auth import create_token

    con = connect(db)
    try:
        secret = create_token(con, name, label, days or None)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
    if os.isatty(1):
        console.print("API token (shown once; send as `Authorization: Bearer TOKEN`):")
    print(secret)
