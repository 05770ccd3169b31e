"""model.quote_ident quotes exactly as PostgreSQL's quote_ident does, key words included.

Writing `values`, `time` or `position` unquoted where the server would quote them breaks
statements in which the grammar reads them as key words (`SELECT position FROM t`)."""

from __future__ import annotations

import psycopg

from roseram_schema.model import quote_ident

ODD_NAMES = ["plain", "with space", "Mixed", "has\"quote", "1starts_with_digit", "dollar$", "_under", "ünï"]


def test_quote_ident_matches_the_server_on_every_key_word(pg_server):
    with psycopg.connect(pg_server.base_url) as conn:
        rows = conn.execute(
            "SELECT w, quote_ident(w) FROM (SELECT word FROM pg_get_keywords()"
            " UNION ALL SELECT unnest(%s::text[])) k(w) ORDER BY 1", (ODD_NAMES,)).fetchall()
    differ = {word: (ours, theirs) for word, theirs in rows if (ours := quote_ident(word)) != theirs}
    assert differ == {}
