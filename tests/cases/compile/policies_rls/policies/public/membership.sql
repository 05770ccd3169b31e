-- Membership test used by the policies; SECURITY DEFINER so the policy on team_members
-- does not query team_members through RLS again (infinite recursion).
CREATE FUNCTION public.is_team_member(team uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.team_members m
    WHERE m.team_id = team AND m.user_id = (SELECT auth.uid())
  )
$$;
