"""What apply says when a statement fails: the statement, its source, PostgreSQL's words,
and a hint for the lock-table exhaustion a schema of thousands of tables runs into."""

from roseram_schema.apply.executor import _failure
from roseram_schema.errors import Origin
from roseram_schema.plan.model import PlanStatement

STATEMENT = PlanStatement(
    sql="CREATE TABLE public.t_2999 (id bigint)", change="CreateTable", obj="public.t_2999",
    summary="create table public.t_2999", origin=Origin("schema/public/t_2999.yaml", 1, 1),
)


def test_failure_names_statement_source_and_postgres_message():
    text = str(_failure(7, 9, STATEMENT, Exception('relation "x" already exists')))
    assert text.startswith("statement 7 of 9 failed: CREATE TABLE public.t_2999")
    assert "schema/public/t_2999.yaml:1:1" in text
    assert 'PostgreSQL: relation "x" already exists' in text
    assert "hint" not in text


def test_lock_table_exhaustion_gets_a_hint():
    # PostgreSQL's own message (SQLSTATE 53200) when one transaction holds too many locks
    exc = Exception("out of shared memory\nHINT:  You might need to increase max_locks_per_transaction.")
    text = str(_failure(3001, 9000, STATEMENT, exc))
    assert "PostgreSQL: out of shared memory" in text
    assert "raise max_locks_per_transaction" in text
