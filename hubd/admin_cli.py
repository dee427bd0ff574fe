"""`hubd admin reset-password`: on the hub's console, when every staff password is forgotten.

Whoever can type on the hub's console (or log in over SSH as the hub's user) already holds its
database, so no other proof is asked for. The new password also unlocks the account and signs
it out everywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
from pathlib import Path

from hubd.auth.hashing import hash_password
from hubd.config import DEFAULT_CONFIG_PATH, Config, HubSection, load_config
from hubd.errors import BadRequest, HubError, NotFound
from hubd.storage import staff
from hubd.storage.store import Store

MIN_PASSWORD = 8


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `hubd admin …` to the hubd command."""
    admin = sub.add_parser("admin", help="staff accounts, from the hub's console")
    commands = admin.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    reset = commands.add_parser(
        "reset-password", help="set a new password for a staff account (and unlock it)"
    )
    reset.add_argument("username", help="the account's username")
    where = reset.add_mutually_exclusive_group()
    where.add_argument("--config", type=Path, help="TOML file (default: /etc/hubd/hubd.toml)")
    where.add_argument("--data-dir", type=Path, help="data directory (default settings)")
    how = reset.add_mutually_exclusive_group()
    how.add_argument(
        "--generate", action="store_true", help="make a random password and print it"
    )
    how.add_argument(
        "--password-stdin", action="store_true", help="read the new password from standard input"
    )
    reset.set_defaults(func=reset_password_command)


def _config(args: argparse.Namespace) -> Config:
    if args.data_dir is not None:
        return Config(hub=HubSection(data_dir=args.data_dir.resolve()))
    return load_config(args.config or DEFAULT_CONFIG_PATH)


def _new_password(args: argparse.Namespace) -> str:
    if args.generate:
        return secrets.token_urlsafe(9)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("The same password again: ") != password:
            raise BadRequest("The two passwords are not the same; nothing was changed.")
    if len(password) < MIN_PASSWORD:
        raise BadRequest("The password must have at least 8 characters; nothing was changed.")
    return password


async def reset_password(config: Config, username: str, password: str) -> staff.StaffMember:
    """Set a staff account's password in the hub's database; returns the account."""
    if not config.database_path.is_file():
        raise NotFound(f"There is no hub database at {config.database_path}.")
    store = await Store.open(config.database_path, readers=1)
    try:
        member = await store.write(staff.find_by_username(username))
        if member is None:
            async with store.reader() as db:
                known = ", ".join(m.username for m in await staff.list_members(db)) or "none"
            raise NotFound(f"There is no staff account called {username!r} (accounts: {known}).")
        password_hash = await asyncio.to_thread(hash_password, password)
        await store.write(staff.set_password(member.staff_id, password_hash))
        return member
    finally:
        await store.close()


def reset_password_command(args: argparse.Namespace) -> int:
    config = _config(args)
    try:
        password = _new_password(args)
        member = asyncio.run(reset_password(config, args.username, password))
    except HubError as exc:
        print(f"hubd: {exc.message}", file=sys.stderr)
        return 1
    print(f"The password of {member.username} ({member.display_name}) is changed.")
    if args.generate:
        print(f"New password: {password}")
    return 0
