"""Generated schemas of any size, for the query-count test and the timing script."""

from __future__ import annotations


def generated_schema_sql(tables: int) -> str:
    """DDL of `tables` tables in schema `gen`, each with eight columns, a primary key, a
    foreign key to the previous table, a check, two indexes, RLS with two policies,
    grants and comments; plus one view per ten tables. Needs the platform stand-in."""
    parts = ["CREATE SCHEMA gen;", "CREATE TYPE gen.state AS ENUM ('new', 'done');"]
    for i in range(tables):
        ref = f"prev_id bigint REFERENCES gen.t{i - 1} (id) ON DELETE CASCADE," if i else "prev_id bigint,"
        parts.append(
            f"""
CREATE TABLE gen.t{i} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id uuid NOT NULL DEFAULT gen_random_uuid(),
  {ref}
  name varchar(100) NOT NULL CHECK (name IN ('a', 'b', 'c')),
  state gen.state NOT NULL DEFAULT 'new',
  payload jsonb DEFAULT '{{}}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX t{i}_owner_idx ON gen.t{i} (owner_id, created_at DESC);
CREATE INDEX t{i}_live_idx ON gen.t{i} (lower(name)) WHERE deleted_at IS NULL;
CREATE POLICY t{i}_read ON gen.t{i} FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
CREATE POLICY t{i}_write ON gen.t{i} FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
ALTER TABLE gen.t{i} ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON gen.t{i} TO authenticated;
COMMENT ON TABLE gen.t{i} IS 'table {i}';"""
        )
        if i % 10 == 9:
            parts.append(f"CREATE VIEW gen.v{i} AS SELECT a.id, b.name FROM gen.t{i} a JOIN gen.t{i - 1} b ON b.id = a.prev_id;")
    return "\n".join(parts)
