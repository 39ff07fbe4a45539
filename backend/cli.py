"""`upik` command line. Each command calls a service; no rules live here."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import secrets
import sys
from collections.abc import Awaitable, Callable

from backend.settings import SettingsError, get_settings

DEMO_ACCOUNTS = (
    # username, name, role, unit code
    ("admin", "Kepala Seksi E-Gov", "admin", "EGOV"),
    ("pic.putr", "PIC Dinas PUTR", "pic", "DPUTR"),
    ("pic.dukcapil", "PIC Disdukcapil", "pic", "DISDUKCAPIL"),
    ("pic.dinkes", "PIC Dinas Kesehatan", "pic", "DINKES"),
    ("warga", "Warga Sumber", "citizen", None),
)


async def _with_database(work: Callable[[], Awaitable[int]]) -> int:
    from backend import database

    engine = database.engine_from_url(get_settings().database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        # Every command works on a fresh data dir: the schema comes first,
        # quietly (its report is for `upik migrate`, or for when it fails).
        if work is not _migrate:
            report = io.StringIO()
            with contextlib.redirect_stdout(report):
                failed = await _migrate() != 0
            if failed:
                print(report.getvalue(), file=sys.stderr)
                return 1
        return await work()
    finally:
        await database.stop(engine)


async def _migrate() -> int:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    try:
        result = await run_forwards("all")
    except Exception as exc:  # a migration that refuses says why (e.g. username clashes)
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    if not result.success:
        print(f"migration failed: {result.message}", file=sys.stderr)
        return 1
    return 0


def migrate() -> int:
    return asyncio.run(_with_database(_migrate))


async def _seed() -> int:
    from backend.organisation.service import seed

    units, categories = await seed()
    print(f"seed: {units} units and {categories} categories added (existing ones kept)")
    await _seed_holidays()
    return 0


async def _seed_holidays() -> None:
    from backend.complaints.deadlines import follow_holidays
    from backend.holidays import service

    follow_holidays()  # seeded days move the answer clocks already running

    years = service.seed_years()
    added = await service.seed(years)
    span = f"{years[0]}-{years[-1]}"
    print(f"seed: {added} holidays and cuti bersama days of {span} added (existing ones kept)")


async def _unit_id(code: str | None) -> int | None:
    from backend.organisation.tables import Unit

    if code is None:
        return None
    row = await Unit.select(Unit.id).where(Unit.code == code).first()
    if row is None:
        raise SystemExit(f"no unit with code {code!r} (run `upik seed` first?)")
    return row["id"]


async def _create_user(
    username: str, password: str, name: str, role: str, unit_code: str | None
) -> None:
    """Same validation as the API: msgspec's constraints, then the service's rules."""
    import msgspec

    from backend.accounts import service
    from backend.accounts.schemas import CreateUserIn, RegisterIn

    fields = {"username": username, "password": password, "name": name}
    if role == "citizen":
        await service.register(msgspec.convert(fields, RegisterIn))
        return
    data = msgspec.convert(
        {**fields, "role": role, "unit_id": await _unit_id(unit_code)}, CreateUserIn
    )
    await service.create_staff(data)


async def _demo() -> int:
    from backend.accounts.service import username_is
    from backend.accounts.tables import User
    from backend.common.errors import Conflict

    await _seed()
    created = []
    for username, name, role, unit in DEMO_ACCOUNTS:
        if await User.exists().where(username_is(username)):
            continue
        password = secrets.token_urlsafe(9)
        try:
            await _create_user(username, password, name, role, unit)
        except Conflict:
            continue
        created.append((username, password, role, unit or "-"))
    if created:
        print("\nDemo accounts (shown once; note them now):")
        print(f"  {'username':<14} {'password':<14} {'role':<8} unit")
        for username, password, role, unit in created:
            print(f"  {username:<14} {password:<14} {role:<8} {unit}")
        print()
    else:
        print("demo: accounts already exist (their passwords were shown when created)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backend.common.logs import log_config

    settings = get_settings()
    if settings.is_sqlite and args.workers > 1:
        print(
            "SQLite is the one-process mode; use DATABASE_URL=postgres://... and "
            "REDIS_URL for several workers",
            file=sys.stderr,
        )
        return 2
    # First: prometheus-client must see its directory before anything imports it.
    _observable(settings)
    if migrate() != 0:
        return 1
    if not _vapid_key_accepted(settings, args):
        return 2
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level="info",
        log_config=log_config(settings.log_format),
        # Caddy logs each request; UPIK_ACCESS_LOG=1 makes uvicorn do so too.
        access_log=settings.access_log,
        # SIGTERM: stop accepting, let requests in flight finish this long.
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
        # Forwarded headers are read by the app, from UPIK_TRUSTED_PROXIES
        # only (backend/web/proxy.py); uvicorn's own default trusts 127.0.0.1.
        proxy_headers=False,
        # uvloop and httptools when installed (they are dependencies), else
        # asyncio and h11: the same app either way.
        loop="auto",
        http="auto",
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.redis_url:
        print(
            "upik worker needs REDIS_URL (without Redis, `upik serve` delivers pushes in-process)",
            file=sys.stderr,
        )
        return 2
    _observable(settings)  # before anything imports prometheus-client
    if not _vapid_key_accepted(settings, args):
        return 2
    from backend.app import TICKERS
    from push.worker import run_worker

    return _run_fast(run_worker(settings, tickers=TICKERS))


def _vapid_key_accepted(settings, args: argparse.Namespace) -> bool:
    from push.key_guard import check_vapid_key

    allow = settings.allow_vapid_key_change or args.allow_vapid_key_change

    async def check() -> int:
        refusal = await check_vapid_key(settings, allow_change=allow)
        if refusal:
            print(f"upik {args.command}: refusing to start: {refusal}", file=sys.stderr)
            return 1
        return 0

    return asyncio.run(_with_database(check)) == 0


def _observable(settings) -> None:
    """Metrics summed over this data dir's processes, and the chosen log format."""
    import logging.config

    from backend.common.logs import log_config
    from backend.common.metrics_dir import enable_multiprocess

    enable_multiprocess(settings.data_dir)
    logging.config.dictConfig(log_config(settings.log_format))


def _run_fast(coroutine):
    """asyncio.run on uvloop where it is installed, as uvicorn does for `serve`:
    the worker's time goes to sockets and callbacks, which uvloop runs in C."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="upik", description="UPIK Kabupaten Cirebon")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server (applies migrations first)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    worker = sub.add_parser("worker", help="push delivery and SLA timers as a separate process")
    for command in (serve, worker):
        command.add_argument(
            "--allow-vapid-key-change",
            action="store_true",
            help="start although the VAPID key differs from the subscriptions' (they stop working)",
        )
    sub.add_parser("migrate", help="apply pending migrations")
    create = sub.add_parser("create-user", help="make a staff account")
    create.add_argument("--role", required=True, choices=["admin", "pic", "citizen"])
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--unit", help="unit code (needed for a pic)")
    sub.add_parser(
        "seed",
        help="load Kabupaten Cirebon's units and categories and this and next year's "
        "holidays (idempotent)",
    )
    sub.add_parser("demo", help="seed plus demo accounts, printed once")
    key = sub.add_parser("create-api-key", help="make an Open311 API key, printed once")
    key.add_argument("--name", required=True, help="who the key is for, e.g. fixmystreet")
    key.add_argument("--rate-per-minute", type=int, default=30, help="POSTs a minute (default 30)")
    revoke = sub.add_parser("revoke-api-key", help="revoke an Open311 API key by its name")
    revoke.add_argument("--name", required=True)
    backup = sub.add_parser("backup", help="database, uploads and keys into one .tar.gz")
    backup.add_argument("file")
    restore = sub.add_parser("restore", help="put back an archive made by `upik backup`")
    restore.add_argument("file")
    restore.add_argument("--force", action="store_true", help="replace a non-empty target")
    args = parser.parse_args(argv)

    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "worker":
            return _worker(args)
        if args.command == "migrate":
            return migrate()
        if args.command == "seed":
            return asyncio.run(_with_database(_seed))
        if args.command == "demo":
            return asyncio.run(_with_database(_demo))
        if args.command == "create-user":
            return _create_user_command(args)
        if args.command in ("create-api-key", "revoke-api-key"):
            return _api_key_command(args)
        if args.command in ("backup", "restore"):
            return _backup_command(args)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


def _create_user_command(args: argparse.Namespace) -> int:
    import msgspec

    from backend.common.errors import BadInput, Conflict

    if args.role == "pic" and not args.unit:
        print("create-user: a pic needs --unit CODE", file=sys.stderr)
        return 2

    async def work() -> int:
        await _create_user(args.username, args.password, args.name, args.role, args.unit)
        print(f"created {args.role} {args.username}")
        return 0

    try:
        return asyncio.run(_with_database(work))
    except (Conflict, BadInput, msgspec.ValidationError) as exc:
        print(f"create-user: {exc}", file=sys.stderr)
        return 1


def _api_key_command(args: argparse.Namespace) -> int:
    from backend.common.errors import BadInput, Conflict
    from backend.public import apikeys
    from backend.public.open311_intake import SystemAccountUnavailable, system_reporter

    async def create() -> int:
        await system_reporter()  # the account Open311 requests are filed under
        key = await apikeys.create(args.name, args.rate_per_minute)
        print(f"Open311 API key for {args.name.strip()} (shown once; only its hash is kept):")
        print(key)
        return 0

    async def revoke() -> int:
        if await apikeys.revoke(args.name):
            print(f"revoked the API key {args.name.strip()}")
            return 0
        print(f"revoke-api-key: no active key named {args.name!r}", file=sys.stderr)
        return 1

    try:
        return asyncio.run(_with_database(create if args.command == "create-api-key" else revoke))
    except (Conflict, BadInput, SystemAccountUnavailable) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
def _backup_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from backend.backup.archive import create_backup, restore_backup
    from backend.backup.databases import BackupError

    settings = get_settings()
    try:
        if args.command == "backup":
            manifest = create_backup(settings, Path(args.file))
            verb, check = "backup: wrote", "manifest written"
        else:
            manifest = restore_backup(settings, Path(args.file), force=args.force)
            verb, check = "restore: put back", "manifest checked"
    except BackupError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    rows = sum(manifest["tables"].values())
    print(f"{verb} {args.file}: {rows} rows in {len(manifest['tables'])} tables, "
          f"{len(manifest['files'])} files ({check})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
