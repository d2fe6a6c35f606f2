"""``buurtwatt backup`` and ``buurtwatt restore``: a site's data out to a folder and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from buurtwatt.backup import BackupError, make_backup, restore
from buurtwatt.commands.config import load_or_exit
from buurtwatt.i18n import cli_language, t


def _backup(args: argparse.Namespace) -> int:
    config = load_or_exit(args.config, writes=True)
    lang = cli_language(config.dashboard.language)
    try:
        made = make_backup(config, Path(args.to), keep=args.keep)
    except (BackupError, OSError) as exc:
        print(t("backup.failed", lang, error=exc), file=sys.stderr)
        return 1
    print(t("backup.done", lang, folder=made.folder, files=len(made.manifest["files"])))
    return 0


def _restore(args: argparse.Namespace) -> int:
    config = load_or_exit(args.config, writes=True)
    lang = cli_language(config.dashboard.language)
    try:
        written = restore(config, Path(args.backup), overwrite=args.overwrite)
    except (BackupError, OSError) as exc:
        print(t("restore.failed", lang, error=exc), file=sys.stderr)
        return 1
    for path in written:
        print(t("restore.written", lang, path=path))
    print(t("restore.done", lang, count=len(written)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="copy the store and the share register to a folder, while collecting")
    p.add_argument("--config", help="the site config (TOML; default ./buurtwatt.toml)")
    p.add_argument("--to", required=True, help="the folder that holds the backups")
    p.add_argument("--keep", type=int, default=None, help="keep only the newest N backups in that folder")
    p.set_defaults(func=_backup)
    p = sub.add_parser("restore", help="put a backup back, after checking it (stop the collector first)")
    p.add_argument("backup", help="one backup folder, made by 'buurtwatt backup'")
    p.add_argument("--config", help="the site config (TOML; default ./buurtwatt.toml)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing store and register")
    p.set_defaults(func=_restore)
