"""SQLite storage: connection, migrations and repositories (the only place with SQL)."""
