CREATE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;

CREATE FUNCTION public.note_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.notes $$;

CREATE FUNCTION public.first_note() RETURNS text LANGUAGE sql STABLE AS $$ SELECT body FROM public.notes ORDER BY id LIMIT 1 $$;

CREATE TRIGGER notes_stamp BEFORE INSERT OR UPDATE ON public.notes
FOR EACH ROW EXECUTE FUNCTION public.stamp();
