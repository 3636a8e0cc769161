"""What the archive remembers about fetching, beside the articles: the queue
of `add` (every URL it was asked for, until it is archived or fails for a
reason a retry will not fix, so `mirror add --resume` can finish a batch that
was interrupted, killed or cut off by the network) and, per URL, when it was
last fetched and its validators (ETag, Last-Modified) for a conditional GET,
and, per feed, the error its last `update` met (so a dead feed is reported
once, when it dies or fails in a new way, not at every update).

Validators are kept and sent only for direct connections: a server-chosen
ETag sent back through Tor or a proxy would let the server link two visits
the proxy keeps apart. The tables live in the archive's database (created
here when first needed), so they go wherever the archive goes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlcipher3

    from mirror.store import Archive

SCHEMA = """
CREATE TABLE IF NOT EXISTS add_queue (url TEXT PRIMARY KEY, added TEXT NOT NULL, error TEXT);
CREATE TABLE IF NOT EXISTS fetch_state (url TEXT PRIMARY KEY, fetched TEXT NOT NULL, etag TEXT,
                                        last_modified TEXT);
CREATE TABLE IF NOT EXISTS feed_errors (url TEXT PRIMARY KEY, error TEXT NOT NULL, since TEXT NOT NULL)
"""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _age_seconds(stamp: str) -> float:
    then = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return (dt.datetime.now(dt.timezone.utc) - then).total_seconds()


@dataclass
class Memory:
    db: sqlcipher3.Connection  # the archive's sqlite3 connection (autocommit)
    direct: bool = True  # no proxy: validators may be sent

    @classmethod
    def of(cls, archive: Archive, proxy: str = "") -> "Memory":
        for stmt in SCHEMA.split(";"):
            if stmt.strip():
                archive.db.execute(stmt)
        return cls(archive.db, not proxy)

    # -- the queue of `add` ------------------------------------------------------

    def enqueue(self, urls: list[str]) -> None:
        now = _now()
        self.db.executemany("INSERT OR IGNORE INTO add_queue (url, added) VALUES (?, ?)",
                            [(u, now) for u in urls])

    def done(self, url: str) -> None:
        self.db.execute("DELETE FROM add_queue WHERE url = ?", (url,))

    def failed(self, url: str, error: str) -> None:
        self.db.execute("UPDATE add_queue SET error = ? WHERE url = ?", (error, url))

    def pending(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT url FROM add_queue ORDER BY added, rowid")]

    # -- per URL -----------------------------------------------------------------

    def fetched_ago(self, url: str) -> float | None:
        """Seconds since `url` was last fetched, or None."""
        row = self.db.execute("SELECT fetched FROM fetch_state WHERE url = ?", (url,)).fetchone()
        return _age_seconds(row[0]) if row else None

    def validators(self, url: str) -> dict[str, str]:
        """The headers of a conditional GET for `url` (none through a proxy)."""
        if not self.direct:
            return {}
        row = self.db.execute("SELECT etag, last_modified FROM fetch_state WHERE url = ?", (url,)).fetchone()
        if row is None:
            return {}
        out = {}
        if row[0]:
            out["If-None-Match"] = row[0]
        if row[1]:
            out["If-Modified-Since"] = row[1]
        return out

    def fetched(self, url: str, etag: str | None, last_modified: str | None) -> None:
        if not self.direct:
            etag = last_modified = None
        self.db.execute("INSERT OR REPLACE INTO fetch_state (url, fetched, etag, last_modified) VALUES (?, ?, ?, ?)",
                        (url, _now(), etag, last_modified))

    def forget(self, url: str) -> None:
        self.db.execute("DELETE FROM fetch_state WHERE url = ?", (url,))
        self.db.execute("DELETE FROM feed_errors WHERE url = ?", (url,))

    # -- per feed ----------------------------------------------------------------

    def feed_failed(self, url: str, error: str) -> bool:
        """Remember the feed's error; True if it is news (the feed worked last
        time, or failed another way), the only time it is worth a warning."""
        row = self.db.execute("SELECT error FROM feed_errors WHERE url = ?", (url,)).fetchone()
        if row is not None and row[0] == error:
            return False
        self.db.execute("INSERT OR REPLACE INTO feed_errors (url, error, since) VALUES (?, ?, ?)",
                        (url, error, _now()))
        return True

    def feed_worked(self, url: str) -> None:
        self.db.execute("DELETE FROM feed_errors WHERE url = ?", (url,))

    def feed_error(self, url: str) -> tuple[str, str] | None:
        """The feed's last error and since when (UTC), if its last update failed."""
        row = self.db.execute("SELECT error, since FROM feed_errors WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else None
