"""Administration of the application-state store from the command line.

    python -m data_access seed-demo-users     add the demo users that are missing
    python -m data_access add-user USERNAME --name NAME --role ROLE --municipality CODE [--caseworker KEY]
                                              (the password is read from standard input)
"""

from __future__ import annotations

import argparse
import getpass
import sys

from .appstate import DEMO_USERS_FILE, UserRecord, current_appstate
from .scope import Role


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_access")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo-users", help="add the demo users from config/demo_users.yaml")
    add = commands.add_parser("add-user", help="add a user; the password is read from standard input")
    add.add_argument("username")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--municipality", type=int, required=True)
    add.add_argument("--caseworker", help="caseworker key, e.g. 479:AZ47901 (caseworkers only)")
    add.add_argument("--email")
    args = parser.parse_args(argv)

    store = current_appstate()
    if args.command == "seed-demo-users":
        added = store.seed_users(DEMO_USERS_FILE)
        print("Demobrugere oprettet: " + ", ".join(added) if added else "Demobrugerne findes allerede.")
        return 0
    password = getpass.getpass("Adgangskode: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        print("Adgangskoden skal have mindst 8 tegn.", file=sys.stderr)
        return 2
    role = Role(args.role)
    if role is Role.CASEWORKER and not args.caseworker:
        print("En sagsbehandler skal knyttes til en sagsbehandler i fagsystemet (--caseworker).", file=sys.stderr)
        return 2
    store.add_user(UserRecord(args.username, args.name, args.email, role, args.municipality, args.caseworker),
                   password)
    print(f"Brugeren {args.username} er oprettet.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
