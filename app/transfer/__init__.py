"""Site hand-over: move declarations and everything that belongs to them between databases
(a sorting centre's SQLite file and the office's PostgreSQL server), idempotently, in a
transfer file whose manifest lists each member's SHA-256 (see tables.py for what travels)."""
