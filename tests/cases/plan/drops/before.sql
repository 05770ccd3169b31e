-- two tables that reference each other, both dropped; a function a policy and a default
-- use, both of which stop using it, so it can be dropped (last)
CREATE TABLE public.a (id integer PRIMARY KEY, b_id integer);
CREATE TABLE public.b (id integer PRIMARY KEY, a_id integer REFERENCES public.a (id));
ALTER TABLE public.a ADD CONSTRAINT a_b_id_fkey FOREIGN KEY (b_id) REFERENCES public.b (id);
CREATE FUNCTION public.is_even(n integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT n % 2 = 0 $$;
CREATE FUNCTION public.seven() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 7 $$;
CREATE TABLE public.items (
    id integer NOT NULL,
    size integer DEFAULT public.seven(),
    CONSTRAINT items_pkey PRIMARY KEY (id)
);
GRANT SELECT ON public.items TO authenticated;
ALTER TABLE public.items ENABLE ROW LEVEL SECURITY;
CREATE POLICY even ON public.items FOR SELECT TO authenticated USING (public.is_even(id));
INSERT INTO public.items (id) SELECT g FROM generate_series(1, 6) g;
