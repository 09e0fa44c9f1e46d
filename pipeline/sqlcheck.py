"""Which SQL a researcher may run through ``edualliance sql``: exactly one read statement.

Parsed by DuckDB itself (``duckdb.extract_statements``), never by regular
expressions: SELECT (also WITH …, FROM …, DESCRIBE, SHOW and SUMMARIZE, which
DuckDB parses as SELECT) and EXPLAIN of such a statement. Everything else —
CALL, PRAGMA, SET, COPY, ATTACH, INSERT, several statements in one call — is
refused with a message before it runs. (``CALL enable_logging(…); SELECT 1``
once aborted the whole process with a C++ exception.) The query then runs on a
read-only connection with external access off and its configuration locked.
"""

from __future__ import annotations

import re

import duckdb

ALLOWED = "SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN"

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?", re.I)


class QueryRefused(duckdb.Error):
    """A query that is not exactly one read statement; the message says why."""


def _statements(sql: str) -> list:
    try:
        return duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"not valid SQL: {exc}") from exc


def _kind(statement) -> str:
    return str(statement.type).rsplit(".", 1)[-1]


def read_statement(sql: str) -> str:
    """The one read statement in ``sql``; QueryRefused if there are none, several, or not a read."""
    statements = _statements(sql)
    if not statements:
        raise QueryRefused("no SQL statement given")
    if len(statements) > 1:
        raise QueryRefused(f"{len(statements)} statements given; run one at a time ({ALLOWED})")
    statement = statements[0]
    kind = _kind(statement)
    if kind == "EXPLAIN":
        # EXPLAIN ANALYZE runs what it explains: what it explains must be a read too.
        inner = _statements(_EXPLAIN.sub("", statement.query, count=1))
        if len(inner) != 1 or _kind(inner[0]) != "SELECT":
            raise QueryRefused(f"only a read statement can be explained ({ALLOWED})")
        return sql
    if kind != "SELECT":
        raise QueryRefused(f"sql is read-only: a {kind} statement is not run (one read statement: {ALLOWED})")
    return sql
