CREATE TABLE public.notes (
    id integer NOT NULL,
    body text NOT NULL,
    updated_at timestamptz,
    CONSTRAINT notes_pkey PRIMARY KEY (id)
);
CREATE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE FUNCTION public.old_helper() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION public.note_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.notes $$;
CREATE TRIGGER notes_stamp BEFORE UPDATE ON public.notes FOR EACH ROW EXECUTE FUNCTION public.stamp();
INSERT INTO public.notes SELECT g, 'b' || g, NULL FROM generate_series(1, 5) g;
