"""Gradebook databases for tests: SQLite files, and a PostgreSQL server the tests start.

The PostgreSQL server comes from Debian's `postgresql` package (installed by `make
setup`), runs as the `postgres` user in a temporary folder, and listens only on a
Unix socket there: nothing outside the test can reach it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throwaway PostgreSQL cluster on a Unix socket."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="dlbook-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = 54000 + os.getpid() % 1000

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True,
                       capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        data = self.dir / "data"
        self._as_postgres(str(self.bin / "initdb"), "-D", str(data), "-A", "trust",
                          "-U", "postgres")
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(data), "-w", "-l",
                          str(self.dir / "log"), "-o",
                          f"-k {self.dir} -p {self.port} -c listen_addresses=''", "start")
        return self

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = f"gradebook_{uuid.uuid4().hex[:8]}"
        self._as_postgres(str(self.bin / "createdb"), "-h", str(self.dir), "-p",
                          str(self.port), name)
        return f"postgresql+psycopg2://postgres@/{name}?host={self.dir}&port={self.port}"

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-w",
                          "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
