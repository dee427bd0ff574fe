"""The `hubd` command: serve, demo, check, bundle tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import hubd
from hubd.config import DEFAULT_CONFIG_PATH, Config, HubSection, load_config
from hubd.deps import Deps
from hubd.errors import HubError

_LOGGER = logging.getLogger("hubd")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hubd", description="Learning Hub: an offline classroom hub."
    )
    parser.add_argument("--version", action="version", version=f"hubd {hubd.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the hub daemon")
    serve.add_argument("--config", type=Path, default=DEFAULT_CONFIG_PATH, help="TOML file")
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="run a demo hub with the sample courses")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--data-dir", type=Path, default=Path("demo-data"))
    demo.set_defaults(func=_demo)

    check = sub.add_parser("check", help="check configuration, data directory and database")
    where = check.add_mutually_exclusive_group()
    where.add_argument("--config", type=Path, help="TOML file")
    where.add_argument("--data-dir", type=Path, help="data directory (default settings)")
    check.set_defaults(func=_check)

    _add_bundle_tools(sub)
    from hubd import admin_cli

    admin_cli.add_parser(sub)
    from hubd.sync_session import stick_folder

    stick_folder.add_parser(sub)
    from hubd.sync_session import online_cli

    online_cli.add_parser(sub)
    return parser


def _add_bundle_tools(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    try:
        from hubd.bundle import cli as bundle_cli
    except ImportError:
        return
    bundle_cli.add_parser(sub)


def setup_logging(level: str) -> None:
    # Under systemd the journal stamps each line itself.
    fmt = "%(levelname)s %(name)s: %(message)s"
    if "JOURNAL_STREAM" not in os.environ:
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(level=level.upper(), format=fmt, stream=sys.stderr, force=True)


def _serve(args: argparse.Namespace) -> int:
    from hubd.lifecycle.serve import serve

    config = load_config(args.config)
    setup_logging(config.logging.level)
    asyncio.run(serve(config))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from hubd.demo import demo_config, prepare_demo
    from hubd.lifecycle.serve import serve

    setup_logging("INFO")
    config = demo_config(args.data_dir, args.port, args.host)
    deps = Deps()

    async def run() -> None:
        login = await prepare_demo(config, deps)

        def announce(url: str) -> None:
            print(
                f"\nDemo Learning Hub is running at {url}\n"
                f"  data directory: {config.data_dir}\n"
                f"  teacher login:  {login.username} / {login.password}\n"
                "Press Ctrl+C to stop.\n",
                flush=True,
            )

        await serve(config, deps, on_ready=announce)

    asyncio.run(run())
    return 0


def _check(args: argparse.Namespace) -> int:
    from hubd.check import check_hub

    if args.data_dir is not None:
        config = Config(hub=HubSection(data_dir=args.data_dir.resolve()))
    else:
        config = load_config(args.config or DEFAULT_CONFIG_PATH)
    report = check_hub(config, Deps())
    for line in report.lines:
        print(line)
    print("The hub looks healthy.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except HubError as exc:
        print(f"hubd: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
