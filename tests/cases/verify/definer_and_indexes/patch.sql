-- A SECURITY DEFINER helper without a fixed search_path, a foreign key without an index
-- and an index that repeats another.
CREATE FUNCTION public.site_count(org uuid) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER AS $$
  SELECT count(*) FROM public.sites WHERE organization_id = org
$$;
DROP INDEX public.pages_site_id_idx;
CREATE INDEX projects_owner_idx ON public.projects (user_id);
