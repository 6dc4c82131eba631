"""PostgreSQL backend that starts the project's embedded server on first use.

Only used when ``DATABASE_URL`` is not set. Everything else is Django's own
PostgreSQL backend, so there is one engine and one SQL dialect everywhere.
"""

from django.db.backends.postgresql import base

from portal import devdb


class DatabaseWrapper(base.DatabaseWrapper):
    _database_checked = False  # the main database is created once per process

    def get_connection_params(self):
        """Point the connection at the embedded server's socket, starting it if needed."""
        params = super().get_connection_params()
        params["host"] = devdb.ensure_running()
        dbname = params.get("dbname")
        if dbname and dbname not in ("postgres", "template1") and not self._database_checked:
            # The test database is created by Django itself; the main one by us.
            if not dbname.startswith("test_"):
                devdb.ensure_database(dbname)
            DatabaseWrapper._database_checked = True
        return params
