"""`earful serve`, `earful users add`, `earful token create`: the dashboard and who may use it."""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import typer

from earful.cli import app
from earful.cli._common import DbOption, ask_new_password, console, fail
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
        try:
            uvicorn.Server(config).run(sockets=[sock])
        except KeyboardInterrupt:  # Ctrl+C is how a server is stopped: not an error
            pass
        show("earful dashboard stopped")
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


def _change(db: Optional[Path], fn: Callable, *args, **kw):
    """Run one administration change on an existing store; a user mistake is one line."""
    con = connect(db, create=False)
    try:
        return fn(con, *args, **kw)
    except EarfulError as exc:
        raise fail(str(exc)) from None
    finally:
        con.close()


PasswordOption = Annotated[Optional[str], typer.Option(
    "--password", envvar="EARFUL_PASSWORD", help="Password (asked for when not given).")]
UserArg = Annotated[str, typer.Argument(help="Login name.", show_default=False)]


@users_app.command("add")
def users_add(
    name: UserArg,
    role: Annotated[str, typer.Option("--role", help="admin, analyst, department, executive, supervisor or agent.")] = "analyst",
    department: Annotated[Optional[str], typer.Option("--department", help="The department (department role).")] = None,
    agent: Annotated[Optional[str], typer.Option("--agent", help="The agent id (agent role: sees only their own page).")] = None,
    team: Annotated[Optional[str], typer.Option("--team", help="The team (supervisor role: sees their team's agents).")] = None,
    password: PasswordOption = None,
    replace: Annotated[bool, typer.Option("--replace", help="Reset an existing user's password and role.")] = False,
    db: DbOption = None,
) -> None:
    """Add a user (argon2-hashed password) who may sign in with the given role."""
    from earful.web.auth import add_user

    if password is None:
        password = ask_new_password(name)
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
    """List users, roles, and who is disabled or locked out."""
    from earful.web.auth import list_users

    con = connect(db, read_only=True)
    try:
        users = list_users(con)
    finally:
        con.close()
    for u in users:
        flag = ("\tdisabled" if u["disabled"] else "") + (f"\tlocked until {u['locked_until']}" if u["locked_until"] else "")
        typer.echo(f"{u['name']}\t{u['role']}\t{u['department'] or ''}{flag}")


@users_app.command("disable")
def users_disable(name: UserArg, db: DbOption = None) -> None:
    """Disable a user: their sessions end and their API tokens stop working."""
    from earful.web.auth import set_disabled

    _change(db, set_disabled, name, True)
    console.print(f"user [bold]{name}[/] disabled")


@users_app.command("enable")
def users_enable(name: UserArg, db: DbOption = None) -> None:
    """Enable a disabled user again."""
    from earful.web.auth import set_disabled

    _change(db, set_disabled, name, False)
    console.print(f"user [bold]{name}[/] enabled")


@users_app.command("remove")
def users_remove(name: UserArg, db: DbOption = None) -> None:
    """Remove a user with their sessions and API tokens (the audit trail keeps what they did)."""
    from earful.web.auth import remove_user

    _change(db, remove_user, name)
    console.print(f"user [bold]{name}[/] removed")


@users_app.command("reset-password")
def users_reset_password(name: UserArg, password: PasswordOption = None, db: DbOption = None) -> None:
    """Give a user a new password: their sessions end and any sign-in lockout is lifted."""
    from earful.web.auth import set_password

    _change(db, set_password, name, password if password is not None else ask_new_password(name))
    console.print(f"user [bold]{name}[/] has a new password")


@users_app.command("unlock")
def users_unlock(name: UserArg, db: DbOption = None) -> None:
    """Lift a sign-in lockout (after too many wrong passwords) before it expires."""
    from earful.web.auth import unlock

    had = _change(db, unlock, name)
    console.print(f"user [bold]{name}[/] can sign in again" if had else f"user [bold]{name}[/] was not locked out")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.", show_default=False)],
    label: Annotated[Optional[str], typer.Option(help="What the token is for.")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires (0 = never).")] = 90,
    db: DbOption = None,
) -> None:
    """Create an API token (printed once) for `Authorization: Bearer TOKEN`."""
    from earful.web.auth import create_token

    secret = _change(db, create_token, name, label, days or None)
    if sys.stdout.isatty():
        console.print("API token (shown once; send as `Authorization: Bearer TOKEN`):")
    print(secret)


@token_app.command("list")
def token_list(
    user: Annotated[Optional[str], typer.Option("--user", help="Only this user's tokens.")] = None,
    db: DbOption = None,
) -> None:
    """List API tokens (id, user, label, dates, state); the secrets themselves are never kept."""
    from earful.web.auth import list_tokens

    con = connect(db, read_only=True)
    try:
        tokens = list_tokens(con, user)
    finally:
        con.close()
    if not tokens:
        console.print("no API tokens")
    for t in tokens:
        typer.echo(f"{t['id']}\t{t['user']}\t{t['state']}\tcreated {t['created_at'][:16]}\t"
                   f"expires {(t['expires_at'] or 'never')[:16]}\t{t['label'] or ''}")


@token_app.command("revoke")
def token_revoke(
    ident: Annotated[str, typer.Argument(help="The token's id, as `earful token list` shows it.", show_default=False)],
    db: DbOption = None,
) -> None:
    """Revoke an API token: it stops working at once."""
    from earful.web.auth import revoke_token

    out = _change(db, revoke_token, ident)
    console.print(f"token {ident} of {out['user']} " + ("was already revoked" if out["already_revoked"] else "revoked"))
