"""`ltsa staff …`: console accounts.

    ltsa staff add --email E --name N --role R [--password P] [--ltsa SLUG] [--gender female|male]
    ltsa staff list
    ltsa staff deactivate --email E      the account can no longer log in (kept for the audit)

Without --password the password is asked twice on the terminal (it never shows, and never
lands in the shell history). Roles: case_worker, supervisor, ltsa_admin, coordinator.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from bot import crypto
from bot.console.auth import MIN_PASSWORD, hash_password
from bot.db import staff_queries as sq
from bot.db.engine import Database
from bot.settings import ROOT, load_settings


def register(sub: Any) -> None:
    staff = sub.add_parser("staff", help="console accounts")
    commands = staff.add_subparsers(dest="staff_command", required=True)
    add = commands.add_parser("add", help="create a console account")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=sq.ROLES)
    add.add_argument("--password", help="the password (asked on the terminal when omitted)")
    add.add_argument("--ltsa", default=None, help="the LTSA slug they serve (default: all)")
    add.add_argument(
        "--gender", choices=sq.GENDERS, default=None, help="for female-worker requests"
    )
    add.set_defaults(func=add_command)
    listing = commands.add_parser("list", help="the console accounts")
    listing.set_defaults(func=list_command)
    off = commands.add_parser("deactivate", help="end an account (it stays for the audit)")
    off.add_argument("--email", required=True)
    off.set_defaults(func=deactivate_command)


def _ask_password() -> str:
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD} characters): ")
    second = getpass.getpass("Again: ")
    if first != second:
        raise ValueError("the passwords differ")
    return first


async def _add(args: argparse.Namespace, password_hash: str) -> int:
    settings = load_settings()
    crypto.configure(settings.secret_key)
    db = Database(settings.database_url, ROOT)
    try:
        await db.migrate()
        async with db.transaction() as session:
            staff = await sq.add_staff(
                session,
                email=args.email,
                name=args.name,
                role=args.role,
                password_hash=password_hash,
                gender=args.gender,
                ltsa_slug=args.ltsa,
            )
            return staff.id
    finally:
        await db.dispose()


def add_command(args: argparse.Namespace) -> int:
    try:
        password = args.password if args.password is not None else _ask_password()
        password_hash = hash_password(password)
        staff_id = asyncio.run(_add(args, password_hash))
    except (ValueError, sq.DuplicateStaff) as exc:
        kind = "an account exists for" if isinstance(exc, sq.DuplicateStaff) else "error:"
        print(f"{kind} {exc}", file=sys.stderr)
        return 1
    email = sq.normal_email(args.email)
    print(f"staff {staff_id}: {email} ({args.role}) can log in at /console/login")
    return 0


async def _list() -> list[tuple[int, str, str, str, str | None, str | None, bool]]:
    settings = load_settings()
    db = Database(settings.database_url, ROOT)
    try:
        await db.migrate()
        async with db.transaction() as session:
            return [
                (s.id, s.email, s.name, s.role, s.ltsa_slug, s.gender, s.active)
                for s in await sq.list_staff(session)
            ]
    finally:
        await db.dispose()


def list_command(args: argparse.Namespace) -> int:
    rows = asyncio.run(_list())
    if not rows:
        print("no console accounts yet: ltsa staff add --email E --name N --role ltsa_admin")
    for staff_id, email, name, role, ltsa, gender, active in rows:
        state = "" if active else " (inactive)"
        where = ltsa or "all"
        print(f"{staff_id:>4}  {email:32} {name:24} {role:12} {where:14} {gender or '-'}{state}")
    return 0


async def _deactivate(email: str) -> bool:
    settings = load_settings()
    db = Database(settings.database_url, ROOT)
    try:
        await db.migrate()
        async with db.transaction() as session:
            staff = await sq.staff_by_email(session, email)
            if staff is None:
                return False
            staff.active = False
            staff.on_duty = False
            staff.session_epoch += 1  # logs them out everywhere
            sq.audit(session, None, "staff_deactivated", email=staff.email)
            return True
    finally:
        await db.dispose()


def deactivate_command(args: argparse.Namespace) -> int:
    if not asyncio.run(_deactivate(args.email)):
        print(f"no account for {sq.normal_email(args.email)}", file=sys.stderr)
        return 1
    print(f"{sq.normal_email(args.email)} can no longer log in")
    return 0
