"""Reports on the command line.

    python -m reports template export --report REF [--user NAME] [--format yaml|json] [--out FILE]
    python -m reports template import --file FILE --user NAME [--name NAME]
    python -m reports send [--today YYYY-MM-DD] [--retry-delay SECONDS]

REF is ``standard:<key>`` (config/standard_reports.yaml) or ``saved:<id>``; a saved report is read with
the rights of --user, who must be allowed to open it. An imported template becomes a private report of
--user. ``send`` delivers the subscriptions that are due (docs/reports.md); run it after the nightly ETL.
Exit codes: 0 done, 1 something failed (the reason is printed, and for send in the delivery log),
2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from data_access.appstate import current_appstate
from data_access.scope import AccessDenied, UserScope, command_line_scope
from data_access.warehouse import WarehouseMissing

from .library import STANDARD, resolve
from .templates import TEMPLATE_FORMATS, TemplateError, export_template, import_template


class Usage(Exception):
    """Wrong arguments; the message is Danish."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m reports", description=__doc__.strip().splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)
    template = commands.add_parser("template", help="export or import an analysis template")
    actions = template.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write a report's definition as a template")
    export.add_argument("--report", required=True, help="standard:<key> or saved:<id>")
    export.add_argument("--user", help="whose rights open a saved report")
    export.add_argument("--format", choices=tuple(TEMPLATE_FORMATS), default="yaml")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    load = actions.add_parser("import", help="store a template as a private report of --user")
    load.add_argument("--file", type=Path, required=True)
    load.add_argument("--user", required=True)
    load.add_argument("--name", help="the new report's name (default: the template's)")
    send = commands.add_parser("send", help="deliver the subscriptions that are due")
    send.add_argument("--today", type=date.fromisoformat, help="the day to send for (default: today)")
    send.add_argument("--retry-delay", type=float, default=None, help="seconds before the first retry of a mail")
    return root


def user_scope(username: str | None) -> UserScope:
    if not username:
        raise Usage("--user mangler: en gemt rapport åbnes med en brugers rettigheder")
    user = current_appstate().user(username)
    if user is None:
        raise Usage(f"brugeren {username!r} findes ikke eller er deaktiveret")
    return user.scope()


def template_export(args, out) -> None:
    if args.report.startswith(f"{STANDARD}:"):
        entry = resolve(command_line_scope(), args.report)
    else:
        entry = resolve(user_scope(args.user), args.report)
    data = export_template(entry.name, entry.definition, args.format)
    if args.out:
        args.out.write_bytes(data)
    else:
        out.write(data.decode("utf-8"))


def template_import(args, out) -> None:
    if not args.file.exists():
        raise Usage(f"filen {args.file} findes ikke")
    report_id = import_template(user_scope(args.user), args.file.read_bytes(), args.name)
    out.write(f"Skabelonen er gemt som rapport saved:{report_id}\n")


def send(args, out) -> int:
    from .distribution import send_due

    outcome = send_due(today=args.today, retry_delay=args.retry_delay)
    out.write(outcome.summary() + "\n")
    return 0 if outcome.failed == 0 else 1


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    args = parser().parse_args(argv)
    try:
        if args.command == "send":
            return send(args, out)
        (template_export if args.action == "export" else template_import)(args, out)
    except TemplateError as error:
        print("FEJL: skabelonen kan ikke indlæses:\n- " + "\n- ".join(error.problems), file=sys.stderr)
        return 1
    except (Usage, AccessDenied) as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 2
    except WarehouseMissing as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
