"""A backup once a day, at a set local time, with a number of backups kept (``[backup]``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from buurtwatt.backup import BackupError, make_backup

if TYPE_CHECKING:
    from buurtwatt.config import SiteConfig

log = logging.getLogger(__name__)


def next_run(now: datetime, at: time) -> datetime:
    """The next moment at local time ``at`` after ``now`` (``now`` carries the site's zone)."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= now:
        candidate = (candidate + timedelta(days=1)).replace(hour=at.hour, minute=at.minute)
    return candidate


class DailyBackup:
    """A thread that makes the site's backup every day; a failure is logged and tried tomorrow."""

    def __init__(
        self, config: SiteConfig, stopping: threading.Event, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.config = config
        self.stopping = stopping
        self.clock = clock or (lambda: datetime.now(config.site.tz))
        self.made = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="daily-backup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        settings = self.config.backup
        while not self.stopping.is_set():
            now = self.clock()
            wait = (next_run(now, settings.at) - now).total_seconds()
            if self.stopping.wait(wait):
                return
            self.run_once()

    def run_once(self) -> None:
        settings = self.config.backup
        assert settings.folder is not None
        try:
            made = make_backup(self.config, Path(settings.folder), keep=settings.keep)
            self.made += 1
            log.info("daily backup made: %s", made.folder)
        except (BackupError, OSError) as exc:
            self.failed += 1
            log.error("daily backup failed: %s; the next try is tomorrow", exc)
