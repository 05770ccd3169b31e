-- Membership helpers for the row-level-security policies.
--
-- Why SECURITY DEFINER: a policy on organization_members that asked "is the caller an admin
-- of this organization?" by querying organization_members would run that table's policies
-- again, and PostgreSQL stops with "infinite recursion detected in policy" (only when a real
-- user queries). These functions read the tables as their owner, outside RLS, so a policy
-- never re-enters RLS on the table it protects and no two tables' policies call each other.
--
-- Rules for every function here: STABLE (one snapshot, cacheable within a statement),
-- SET search_path = '' with every name fully qualified (a caller cannot plant objects that
-- the definer would run), and each returns only a boolean or an id, never row data.
-- EXECUTE is revoked from PUBLIC (and so from anon: no anon-readable policy or view calls
-- them) and granted to authenticated, whose policies run them, and service_role.

-- Rank of an organization role: owner > admin > editor > member > viewer; NULL if unknown.
CREATE OR REPLACE FUNCTION public.org_role_rank(role text) RETURNS integer
LANGUAGE sql IMMUTABLE
SET search_path = ''
AS $$
  SELECT CASE org_role_rank.role
    WHEN 'owner' THEN 5
    WHEN 'admin' THEN 4
    WHEN 'editor' THEN 3
    WHEN 'member' THEN 2
    WHEN 'viewer' THEN 1
  END
$$;

-- The caller's role in an organization: 'owner' for organizations.owner_id, else the role of
-- their organization_members row (a NULL role counts as the column default, 'member'), else
-- NULL (not a member).
CREATE OR REPLACE FUNCTION public.org_role(org_id uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT CASE
    WHEN EXISTS (
      SELECT FROM public.organizations o
      WHERE o.id = org_role.org_id AND o.owner_id = auth.uid()
    ) THEN 'owner'
    ELSE (
      SELECT coalesce(m.role, 'member')::text
      FROM public.organization_members m
      WHERE m.organization_id = org_role.org_id AND m.user_id = auth.uid()
    )
  END
$$;

-- Does the caller hold at least min_role in the organization? False for non-members,
-- NULL ids and unknown role names.
CREATE OR REPLACE FUNCTION public.org_role_at_least(org_id uuid, min_role text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce(
    public.org_role_rank(public.org_role(org_role_at_least.org_id))
      >= public.org_role_rank(org_role_at_least.min_role),
    false
  )
$$;

-- Is the caller the owner or a member (any role) of the organization?
CREATE OR REPLACE FUNCTION public.is_org_member(org_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT public.org_role(is_org_member.org_id) IS NOT NULL
$$;

-- The stored owner of an organization. Update policies compare the new row's owner_id with
-- it: the function sees the row as it was before the statement, so a client cannot hand an
-- organization to someone else.
CREATE OR REPLACE FUNCTION public.org_owner(org_id uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT o.owner_id FROM public.organizations o WHERE o.id = org_owner.org_id
$$;

-- Does the caller own the project?
CREATE OR REPLACE FUNCTION public.owns_project(project_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT EXISTS (
    SELECT FROM public.projects p
    WHERE p.id = owns_project.project_id AND p.user_id = auth.uid()
  )
$$;

-- The organization a site belongs to (NULL for NULL or unknown ids).
CREATE OR REPLACE FUNCTION public.site_org(site_id uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT s.organization_id FROM public.sites s WHERE s.id = site_org.site_id
$$;

-- The organization a page belongs to, through its site (NULL for NULL or unknown ids).
CREATE OR REPLACE FUNCTION public.page_org(page_id uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT s.organization_id
  FROM public.pages p
  JOIN public.sites s ON s.id = p.site_id
  WHERE p.id = page_org.page_id
$$;

REVOKE ALL ON FUNCTION public.org_role_rank(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.org_role(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.org_role_at_least(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.is_org_member(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.org_owner(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.owns_project(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.site_org(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.page_org(uuid) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION public.org_role_rank(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.org_role(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.org_role_at_least(uuid, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.is_org_member(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.org_owner(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.owns_project(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.site_org(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.page_org(uuid) TO authenticated, service_role;
