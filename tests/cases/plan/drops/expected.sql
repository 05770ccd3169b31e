-- roseram-schema plan: 8 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop foreign key constraint public.a.a_b_id_fkey
ALTER TABLE public.a DROP CONSTRAINT IF EXISTS a_b_id_fkey;

-- drop foreign key constraint public.b.b_a_id_fkey
ALTER TABLE public.b DROP CONSTRAINT IF EXISTS b_a_id_fkey;

-- drop table public.a
-- hazard: deletes_data (blocking): drops table public.a (no rows)
DROP TABLE IF EXISTS public.a;

-- drop table public.b
-- hazard: deletes_data (blocking): drops table public.b (no rows)
DROP TABLE IF EXISTS public.b;

-- set default of public.items.size to 8 (was public.seven()) (schema/public/items.yaml:3:3)
ALTER TABLE public.items ALTER COLUMN size SET DEFAULT 8;

-- alter policy 'even' on public.items (using) (policies/public/items.yaml:3:5)
-- hazard: opens_access (blocking): permissive policy 'even' on public.items changes for authenticated SELECT: USING (id % 2 = 0) (was USING (public.is_even(id))): rows it did not let through before may now be reached
ALTER POLICY even ON public.items TO authenticated
    USING (id % 2 = 0);

-- drop function public.is_even(integer)
DROP FUNCTION IF EXISTS public.is_even(integer);

-- drop function public.seven()
DROP FUNCTION IF EXISTS public.seven();

COMMIT;
