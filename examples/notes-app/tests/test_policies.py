"""The notes app's policies, tested with the roseram-schema pytest plugin's fixtures only."""

import psycopg
import pytest


def test_alice_sees_her_notes_only(roseram_persona):
    alice = roseram_persona.user_id("alice")
    with roseram_persona("alice") as conn:
        owners = {row[0] for row in conn.execute("SELECT user_id::text FROM public.notes")}
    assert owners == {alice}


def test_bob_cannot_see_alices_notes(roseram_persona):
    alice = roseram_persona.user_id("alice")
    with roseram_persona("bob") as conn:
        [(count,)] = conn.execute(
            "SELECT count(*) FROM public.notes WHERE user_id = %s", (alice,)).fetchall()
    assert count == 0


def test_bob_cannot_write_a_note_as_alice(roseram_persona):
    alice = roseram_persona.user_id("alice")
    with roseram_persona("bob") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO public.notes (user_id, body) VALUES (%s, 'forged')", (alice,))


def test_anon_sees_nothing(roseram_persona):
    with roseram_persona("anon") as conn:
        assert conn.execute("SELECT count(*) FROM public.notes").fetchone() == (0,)


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_starts_clean(roseram_db, attempt):
    # whichever of the two runs second would see the first one's row if databases were shared
    with roseram_db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM public.notes").fetchone() == (0,)
        conn.execute("INSERT INTO auth.users (id) VALUES (gen_random_uuid())")
        conn.execute("INSERT INTO public.notes (user_id, body) SELECT id, 'mine' FROM auth.users")


def test_contracts_hold(roseram_verify):
    roseram_verify()
