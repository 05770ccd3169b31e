CREATE FUNCTION public.answer() RETURNS integer LANGUAGE sql AS $$ SELECT 42 $$;
COMMENT ON FUNCTION public.answer() IS 'The answer.';
REVOKE ALL ON FUNCTION public.answer() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.answer() TO authenticated;
GRANT USAGE ON SCHEMA app TO authenticated;
