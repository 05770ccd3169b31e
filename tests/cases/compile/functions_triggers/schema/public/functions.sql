CREATE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION public.blank() RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '' $$;

CREATE FUNCTION public.note_count() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.notes $$;

COMMENT ON FUNCTION public.note_count() IS 'How many notes there are.';

CREATE TRIGGER notes_updated_at BEFORE UPDATE ON public.notes
FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
