"""``buurtwatt dashboard``: serve the dashboard with waitress, read-only against the store."""

from __future__ import annotations

import argparse
import logging

log = logging.getLogger(__name__)


def _serve(args: argparse.Namespace) -> int:
    from waitress import serve

    from buurtwatt.commands.config import load_or_exit
    from dashboard.app import create_app

    config = load_or_exit(args.config)
    host = args.host or config.dashboard.host
    port = args.port if args.port is not None else config.dashboard.port
    app = create_app(config)
    log.info("dashboard for %s on http://%s:%d/ (display screen: /scherm)", config.site.name, host, port)
    # waitress drops X-Forwarded-* headers; with trusted proxies dashboard.proxy judges them per peer
    keep = bool(config.dashboard.trusted_proxies)
    serve(
        app.server,
        host=host,
        port=port,
        threads=args.threads,
        ident="buurtwatt",
        clear_untrusted_proxy_headers=not keep,
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="serve the dashboard (display screen, history, CO2, coach, admin)")
    p.add_argument("--config", required=True, help="the site config (TOML)")
    p.add_argument("--host", help="address to listen on (default from the config, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default from the config, 8050)")
    p.add_argument("--threads", type=int, default=6, help="worker threads (default 6)")
    p.set_defaults(func=_serve)
