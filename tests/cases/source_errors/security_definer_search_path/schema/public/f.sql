-- helper
CREATE FUNCTION public.f() RETURNS int
  LANGUAGE sql SECURITY DEFINER
  AS 'select 1';
