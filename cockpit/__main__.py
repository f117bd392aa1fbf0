"""`python -m cockpit [--port 8501] [--address 127.0.0.1]`: start the cockpit with telemetry off.

Streamlit reads `.streamlit/config.toml` from the working directory, not from the app's folder,
so the settings that must hold wherever it starts from are passed as flags here: no usage
statistics, headless (no browser opened), no file watcher, minimal toolbar, and the secrets file
of COCKPIT_SECRETS (OIDC) when set.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cockpit import config

APP = Path(__file__).resolve().parent / "app.py"


def command(port: int, address: str) -> list[str]:
    flags = {
        "browser.gatherUsageStats": "false",
        "server.headless": "true",
        "server.port": str(port),
        "server.address": address,
        "server.fileWatcherType": "none",
        "client.toolbarMode": "minimal",
        "global.developmentMode": "false",
        "theme.base": "light",
    }
    secrets = config.secrets_file()
    if secrets:
        flags["secrets.files"] = str(secrets)
    return [sys.executable, "-m", "streamlit", "run", str(APP), *(f"--{key}={value}" for key, value in flags.items())]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m cockpit", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    args = parser.parse_args()
    argv = command(args.port, args.address)
    os.execve(argv[0], argv, os.environ | {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})


if __name__ == "__main__":
    main()
