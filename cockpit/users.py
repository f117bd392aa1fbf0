"""`python -m cockpit.users add NAME | remove NAME | list`: manage the cockpit's password file.

The password is asked twice on the terminal (never an argument, which would land in the shell
history); ``--password-stdin`` reads it from standard input for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from cockpit import auth, config


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise SystemExit("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cockpit.users", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["add", "remove", "list"])
    parser.add_argument("name", nargs="?")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--file", type=Path, help="default: $COCKPIT_STATE_DIR/users")
    args = parser.parse_args(argv)
    path = args.file or config.users_file()
    if args.command == "list":
        print("\n".join(sorted(auth.read_users(path))))
        return 0
    if not args.name:
        parser.error(f"{args.command} needs a NAME")
    if args.command == "remove":
        print("removed" if auth.remove_user(path, args.name) else f"no user {args.name}")
        return 0
    try:
        auth.add_user(path, args.name, _password(args.password_stdin))
    except ValueError as error:
        raise SystemExit(str(error)) from error
    print(f"{args.name} can sign in ({path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
