-- The first migration: tables, RLS, a function and a policy.
SET search_path TO public;
BEGIN;
CREATE TABLE IF NOT EXISTS public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users ON DELETE CASCADE,
  username text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE todos (
  id bigserial PRIMARY KEY,
  owner uuid NOT NULL REFERENCES profiles (id),
  title text NOT NULL
);
ALTER TABLE todos ENABLE ROW LEVEL SECURITY;
COMMIT;

CREATE OR REPLACE FUNCTION public.todo_count(who uuid) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.todos WHERE owner = who $$;

CREATE POLICY "owner reads" ON todos FOR SELECT USING (owner = auth.uid());
