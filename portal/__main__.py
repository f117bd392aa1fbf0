"""Run the portal: ``RELANCE_PORTAL_SECRET=... python -m portal --warehouse W --events-dir D``.

Also ``python -m portal --link CUSTOMER_ID`` prints a signed link token for one customer (what the
e-mails will carry). The secret, like every setting, comes from orchestration/settings.py.
uvicorn's access log is off: it prints paths (the link token is in one) and query strings; the
portal's own ``portal.access`` log names routes only. Behind a reverse proxy (which terminates
TLS), pass ``--trusted-proxy``: otherwise every visitor shares the proxy's IP and its rate limit.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from orchestration import settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=settings.warehouse_path(),
        help="the DuckDB warehouse or a published copy of it (opened read-only)",
    )
    parser.add_argument("--events-dir", type=Path, default=settings.portal_events_dir())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8030)
    parser.add_argument(
        "--trusted-proxy",
        metavar="IP",
        help="the reverse proxy whose X-Forwarded-For gives the client IP (per-IP rate limits)",
    )
    parser.add_argument("--link", metavar="CUSTOMER_ID", help="print a link token for this customer and exit")
    args = parser.parse_args(argv)
    secret = settings.portal_secret()
    if args.link:
        from portal.security import Links

        print(Links(secret).issue(args.link))
        return 0
    import uvicorn

    from portal.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(secret, args.warehouse, args.events_dir)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        server_header=False,
        proxy_headers=bool(args.trusted_proxy),
        forwarded_allow_ips=args.trusted_proxy,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
