"""verify writes through every updatable view as every persona (verify/view_write_probe.py):
a view without security_invoker writes, with its owner's rights, rows the table's policies
refuse (`view-write-through`); an invoker view, or one whose WHERE and check option hold the
caller to their own rows, writes nothing more than the table lets them."""

from __future__ import annotations

import psycopg

from roseram_schema.verify.checker import check_database
from roseram_schema.verify.spec import parse_spec

from .helpers import OWNED_NOTES

SCHEMA = OWNED_NOTES


def _findings(url, sql):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA + sql)
        report = check_database(conn, parse_spec(None, {"public.notes": {"all": "own"}}))
        # the probes roll back: the seeded rows are all still there
        assert conn.execute("SELECT count(*) FROM public.notes").fetchone()[0] == 2
    return [f for f in report.findings if f.id == "view-write-through"], report


def test_a_view_with_its_owners_rights_writes_other_users_rows(platform_db_url):
    [found], report = _findings(platform_db_url, """
CREATE VIEW public.note_list AS SELECT id, user_id, body AS text FROM public.notes;
GRANT ALL ON public.note_list TO anon, authenticated;
""")
    assert (found.location, found.severity) == ("public.note_list", "error")
    assert found.message == (
        "written through view public.note_list, which runs with its owner's rights, rows the policies "
        "of public.notes refuse: anon's DELETE reached 2 rows (user1, user2); anon's INSERT placed "
        "2 rows (user1, user2); anon's UPDATE moved 2 rows (user1 to user2, user2 to user1); anon's "
        "UPDATE reached 2 rows (user1, user2); user1's DELETE reached 1 row (user2); user1's INSERT "
        "placed 1 row (user2); user1's UPDATE moved 1 row (user1 to user2); user1's UPDATE reached "
        "1 row (user2); user2's DELETE reached 1 row (user1); user2's INSERT placed 1 row (user1); "
        "user2's UPDATE moved 1 row (user2 to user1); user2's UPDATE reached 1 row (user1)"), found.message
    assert not report.ok


def test_a_filter_on_the_caller_without_check_option_lets_inserts_through(platform_db_url):
    [found], _ = _findings(platform_db_url, """
CREATE VIEW public.my_notes AS SELECT id, user_id, body FROM public.notes WHERE user_id = (select auth.uid());
GRANT SELECT, INSERT, UPDATE, DELETE ON public.my_notes TO authenticated;
""")
    # UPDATE and DELETE reach the caller's own rows only; an INSERT (or a move) goes anywhere
    assert found.message.endswith(
        "refuse: user1's INSERT placed 1 row (user2); user1's UPDATE moved 1 row (user1 to user2); "
        "user2's INSERT placed 1 row (user1); user2's UPDATE moved 1 row (user2 to user1)"), found.message


def test_a_filter_without_check_option_lets_updates_hand_rows_over(platform_db_url):
    [found], _ = _findings(platform_db_url, """
CREATE VIEW public.my_notes AS SELECT id, user_id, body FROM public.notes WHERE user_id = (select auth.uid());
GRANT SELECT, UPDATE ON public.my_notes TO authenticated;
""")
    assert found.message.endswith("refuse: user1's UPDATE moved 1 row (user1 to user2); "
                                  "user2's UPDATE moved 1 row (user2 to user1)"), found.message


def test_invoker_and_checked_views_write_nothing_more(platform_db_url):
    found, report = _findings(platform_db_url, """
CREATE VIEW public.invoker WITH (security_invoker = true) AS SELECT id, user_id, body FROM public.notes;
CREATE VIEW public.checked AS SELECT id, user_id, body FROM public.notes WHERE user_id = (select auth.uid())
  WITH CHECK OPTION;
GRANT ALL ON public.invoker, public.checked TO anon, authenticated;
""")
    assert found == [], [f.message for f in found]
    assert not [f for f in report.findings if f.severity == "error"], report.findings
