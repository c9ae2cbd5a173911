"""`earful serve`, `earful users add`, `earful token create`: the dashboard and who may use it."""

from __future__ import annotations

import errno
import getpass
import socket
import sys
from collections.abc import Callable
from pathlib import Path
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


def listen(host: str, port: int) -> socket.socket:
    """The dashboard's listening socket, bound before any other work: a busy port is one line."""
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise EarfulError(f"cannot listen on {host}: {exc.strerror}") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise EarfulError(f"port {port} on {host} is already in use",
                              hint="stop what listens there, or choose another with --port") from None
        raise EarfulError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def run_server(path: Path, sock: socket.socket, *, allowed_origins: tuple[str, ...] = (),
               trusted_proxies: str | None = None, show: Callable[[str], None] | None = None) -> None:
    """Serve the store at ``path`` on the bound ``sock`` until Ctrl+C: the dashboard, the REST
    API, and the control socket that runs other ``earful`` commands on the open store."""
    import uvicorn

    from earful.cli._control import ControlServer, server_info
    from earful.web import create_app

    show = show or (lambda line: console.print(line, highlight=False))
    host, port = sock.getsockname()[:2]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    other = server_info(path)
    if other:
        raise EarfulError(f"the store {path} is already served by process {other.get('pid')} at {other.get('url')}",
                          hint="open that one, or stop it first")
    web = create_app(path, allowed_origins=allowed_origins)
    st = web.state.earful
    try:
        control = ControlServer(path, st.con, url=url, on_change=st.forget_all).start()
    except BaseException:
        st.close()
        raise
    try:
        if not st.con.execute("SELECT count(*) FROM web_users").fetchone()[0]:
            show("[yellow]no users yet[/]: add one with `earful users add NAME --role admin`")
        st.warm()  # compute the overview aggregates in the background before the first visit
        show(f"earful dashboard on [bold]{url}[/] (store {path}); other earful commands on this store "
             f"run through it; Ctrl+C stops it")
        config = uvicorn.Config(web, log_level="warning", timeout_keep_alive=30,
                                proxy_headers=trusted_proxies is not None,
                                forwarded_allow_ips=trusted_proxies)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        control.close()
        st.close()


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    allow_origin: Annotated[Optional[list[str]], typer.Option(
        "--allow-origin", help="Public address of the dashboard when a proxy in front changes the Host header "
        "(e.g. https://earful.example.com); repeatable.")] = None,
    trust_proxy: Annotated[Optional[str], typer.Option(
        "--trust-proxy", help="Addresses of reverse proxies whose X-Forwarded-For/-Proto to believe "
        "(comma-separated), so that sign-in limits count the real client.")] = None,
) -> None:
    """Serve the dashboard and the REST API over the store."""
    sock = listen(host, port)
    try:
        path = resolve_path(db)
        if not path.is_file():
            raise fail(f"no earful store at {path}: run `earful ingest` first")
        run_server(path, sock, allowed_origins=tuple(allow_origin or ()), trusted_proxies=trust_proxy)
    finally:
        sock.close()


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Login name.", show_default=False)],
    role: Annotated[str, typer.Option("--role", help="admin, analyst, department or executive.")] = "analyst",
    department: Annotated[Optional[str], typer.Option("--department", help="The department (department role).")] = None,
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
        user = add_user(con, name, password, role, department, replace=replace)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()
    console.print(f"user [bold]{user.name}[/] ({user.role}{', ' + user.department if user.department else ''}) ready")


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """List users and roles."""
    from earful.web.auth import list_users

    con = connect(db, read_only=True)
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
    if sys.stdout.isatty():
        console.print("API token (shown once; send as `Authorization: Bearer TOKEN`):")
    print(secret)
