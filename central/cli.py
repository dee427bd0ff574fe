"""``central``: the connectivity point's command line.

::

    central --config central.toml ingest DIR        # a stick or an upload folder
    central --config central.toml publish DIR       # replies onto a stick (learnhub/in/)
    central --config central.toml enrol list|approve HUB|refuse HUB
    central --config central.toml hubs              # the fleet: last seen, backlog
    central --config central.toml figures [--csv]   # the programme's figures
    central --config central.toml xapi FILE         # events as xAPI statements
    central --config central.toml serve             # the web service (see docs/central.md)
    central --config central.toml operator add NAME # who may sign in to the web pages
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from central import hubs, operators
from central.config import CentralConfigError, load_config, load_keys
from central.db import Database, DatabaseUnavailable, open_database
from central.figures import figures_csv, programme_figures
from central.ingest import ingest_folder
from central.publish import publish, publish_content
from central.replies import HubNotApproved, ReplyKeys
from central.xapi import export_statements
from hubd.bundle import BundleError, KeyFileError


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="central", description="The programme's online database.")
    parser.add_argument("--config", type=Path, default=Path("central.toml"))
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="take in every hub bundle under DIR")
    ingest.add_argument("folder", type=Path)
    pub = sub.add_parser("publish", help="write replies for approved hubs onto a stick")
    pub.add_argument("folder", type=Path)
    pub.add_argument("--hub", action="append", help="only this hub (repeatable)")
    pub.add_argument("--content", type=Path, help="also carry the content bundles in this folder")
    enrol = sub.add_parser("enrol", help="approve or refuse hubs that asked to join")
    enrol.add_argument("action", choices=["list", "approve", "refuse"])
    enrol.add_argument("hub", nargs="?")
    sub.add_parser("hubs", help="every hub: status, last seen, backlog")
    figures = sub.add_parser("figures", help="the programme's figures per hub and in total")
    figures.add_argument("--csv", action="store_true", help="as CSV for a spreadsheet")
    xapi = sub.add_parser("xapi", help="every event as xAPI statements (ndjson) into FILE")
    xapi.add_argument("file", type=Path)
    xapi.add_argument("--home-page", default="https://learning-hub.invalid/learners")
    xapi.add_argument("--activities", default="https://learning-hub.invalid")
    sub.add_parser("serve", help="run the web service")
    operator = sub.add_parser("operator", help="who may sign in to the web service's pages")
    operator.add_argument("action", choices=["add", "remove", "list"])
    operator.add_argument("name", nargs="?")
    operator.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit 0, or 1 with one sentence naming the problem."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except (
        CentralConfigError,
        DatabaseUnavailable,
        KeyFileError,
        HubNotApproved,
        hubs.UnknownHub,
        operators.OperatorError,
    ) as exc:
        print(f"central: {exc}", file=sys.stderr)
        return 1
    except BundleError as exc:
        print(f"central: {exc.reason}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.command == "serve":
        from central.web import serve  # aiohttp is only needed for the web service

        serve(config)
        return 0
    db = open_database(config.database)
    try:
        if args.command == "ingest":
            keys = load_keys(config)
            outcomes = ingest_folder(db, keys, args.folder, config.work_dir, _wall_ms)
            for outcome in outcomes:
                print(f"{'applied' if outcome.applied else 'refused'}: {outcome.message}")
            if not outcomes:
                print(f"No bundles found under {args.folder}.")
            return 0 if all(o.applied for o in outcomes) else 1
        if args.command == "publish":
            keys = load_keys(config)
            reply_keys = ReplyKeys(keys.reply, keys.trust, keys.trust_files)
            written = publish(
                db,
                reply_keys,
                args.folder,
                _wall_ms,
                hub_ids=args.hub,
                budget_bytes=config.reply_budget_mb << 20,
            )
            if args.content is not None:
                for folder in publish_content(args.content, args.folder):
                    print(f"content bundle -> {folder}")
            for item in written:
                print(
                    f"reply {item.reply.manifest.sequence} for hub {item.reply.hub_id}: "
                    f"{item.reply.entries} entries -> {item.folder}"
                )
            return 0
        if args.command == "enrol":
            return _enrol(db, args)
        if args.command == "operator":
            return _operator(db, args)
        if args.command == "figures":
            rows = programme_figures(db, _wall_ms())
            if args.csv:
                print(figures_csv(rows), end="")
            else:
                for r in rows:
                    print(
                        f"{r.hub_id[:16]:16}  {r.name or '-':20}"
                        f"  registered {r.registered_learners}"
                        f"  enrolled {r.enrolled_learners}"
                        f"  lessons completed {r.lessons_completed}"
                        f"  active this week {r.weekly_active_learners}"
                    )
            return 0
        if args.command == "xapi":
            count = 0
            with args.file.open("wb") as out:
                for line in export_statements(db, args.home_page, args.activities):
                    out.write(line)
                    count += 1
            print(f"{count} statements written to {args.file}")
            return 0
        for row in hubs.list_hubs(db):
            seen = (
                "never"
                if row.last_seen_ms is None
                else time.strftime("%Y-%m-%d %H:%M", time.gmtime(row.last_seen_ms / 1000))
            )
            print(
                f"{row.hub_id}  {row.status:8}  {row.name or '-':20}  last seen {seen}  "
                f"backlog {row.backlog}  {row.software}"
            )
        return 0
    finally:
        db.close()


def _enrol(db: Database, args: argparse.Namespace) -> int:
    if args.action == "list":
        for row in hubs.list_hubs(db):
            if row.status == "waiting":
                print(f"{row.hub_id}  {row.name or '-'}")
        return 0
    if not args.hub:
        print("central: name the hub to approve or refuse.", file=sys.stderr)
        return 1
    hubs.decide(db, args.hub, args.action == "approve", _wall_ms())
    print(f"Hub {args.hub} {'approved' if args.action == 'approve' else 'refused'}.")
    return 0


def _new_password(from_stdin: bool) -> str:
    """The new password: typed twice at a terminal, or one line of standard input."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("New password: ")
    operators.check_new_password(password)
    if getpass.getpass("The same password again: ") != password:
        raise operators.OperatorError("The two passwords are not the same.")
    return password


def _operator(db: Database, args: argparse.Namespace) -> int:
    if args.action == "list":
        for row in operators.list_operators(db):
            print(
                f"{row.name}  since {time.strftime('%Y-%m-%d', time.gmtime(row.created_ms / 1000))}"
            )
        return 0
    if not args.name:
        raise operators.OperatorError("Name the operator.")
    if args.action == "remove":
        operators.remove_operator(db, args.name)
        print(f"Operator {args.name} removed; their sessions are ended.")
        return 0
    new = operators.set_operator(db, args.name, _new_password(args.password_stdin), _wall_ms())
    print(
        f"Operator {args.name} added; they can sign in to central's pages now."
        if new
        else f"Operator {args.name} has a new password; their sessions are ended."
    )
    return 0
