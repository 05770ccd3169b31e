-- A small, correct multi-tenant schema: every contract holds.
CREATE TABLE public.organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) > 0),
  slug varchar(40) NOT NULL UNIQUE,
  owner_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  plan varchar(20) DEFAULT 'free' CHECK (plan IN ('free', 'pro'))
);
CREATE INDEX ON public.organizations (owner_id);

CREATE TABLE public.organization_members (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  role varchar(20) NOT NULL DEFAULT 'member'
    CHECK (role = ANY (ARRAY['owner', 'admin', 'editor', 'member', 'viewer'])),
  UNIQUE (organization_id, user_id)
);
CREATE INDEX ON public.organization_members (user_id);

-- Membership lookups bypass RLS on organization_members (no policy recursion).
CREATE FUNCTION public.has_org_role(org uuid, min_role text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.organization_members m
    WHERE m.organization_id = org AND m.user_id = (SELECT auth.uid())
      AND array_position(ARRAY['owner', 'admin', 'editor', 'member', 'viewer'], m.role::text)
          <= array_position(ARRAY['owner', 'admin', 'editor', 'member', 'viewer'], min_role))
$$;

CREATE TABLE public.projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  name varchar(255) NOT NULL CHECK (length(name) > 0),
  status varchar(20) DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  is_public boolean DEFAULT false
);
CREATE INDEX ON public.projects (user_id);

CREATE TABLE public.chat_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id uuid NOT NULL REFERENCES public.projects(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role = ANY (ARRAY['user', 'assistant'])),
  content text NOT NULL
);
CREATE INDEX ON public.chat_messages (project_id);
CREATE INDEX ON public.chat_messages (user_id);

CREATE TABLE public.sites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES public.organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  slug text NOT NULL,
  UNIQUE (organization_id, slug)
);

CREATE TABLE public.pages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  site_id uuid NOT NULL REFERENCES public.sites(id) ON DELETE CASCADE,
  title text NOT NULL
);
CREATE INDEX ON public.pages (site_id);

CREATE TABLE public.page_comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  page_id uuid NOT NULL REFERENCES public.pages(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  content text NOT NULL
);
CREATE INDEX ON public.page_comments (page_id);
CREATE INDEX ON public.page_comments (user_id);

GRANT SELECT ON public.projects TO anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO authenticated;
GRANT ALL ON ALL TABLES IN SCHEMA public TO service_role;

ALTER TABLE public.organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY org_select ON public.organizations FOR SELECT TO authenticated
  USING (public.has_org_role(id, 'viewer'));
CREATE POLICY org_insert ON public.organizations FOR INSERT TO authenticated
  WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY org_update ON public.organizations FOR UPDATE TO authenticated
  USING (public.has_org_role(id, 'admin')) WITH CHECK (public.has_org_role(id, 'admin'));
CREATE POLICY org_delete ON public.organizations FOR DELETE TO authenticated
  USING (public.has_org_role(id, 'owner'));

ALTER TABLE public.organization_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_select ON public.organization_members FOR SELECT TO authenticated
  USING (public.has_org_role(organization_id, 'viewer'));
CREATE POLICY members_insert ON public.organization_members FOR INSERT TO authenticated
  WITH CHECK (public.has_org_role(organization_id, 'admin'));
CREATE POLICY members_update ON public.organization_members FOR UPDATE TO authenticated
  USING (public.has_org_role(organization_id, 'admin'))
  WITH CHECK (public.has_org_role(organization_id, 'admin'));
CREATE POLICY members_delete ON public.organization_members FOR DELETE TO authenticated
  USING (public.has_org_role(organization_id, 'admin') OR user_id = (SELECT auth.uid()));

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_select ON public.projects FOR SELECT TO anon, authenticated
  USING (is_public OR user_id = (SELECT auth.uid()));
CREATE POLICY projects_write ON public.projects FOR ALL TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

ALTER TABLE public.chat_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY chat_owner ON public.chat_messages FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM public.projects p
                 WHERE p.id = chat_messages.project_id AND p.user_id = (SELECT auth.uid())))
  WITH CHECK (user_id = (SELECT auth.uid()) AND EXISTS (
                 SELECT 1 FROM public.projects p
                 WHERE p.id = chat_messages.project_id AND p.user_id = (SELECT auth.uid())));

ALTER TABLE public.sites ENABLE ROW LEVEL SECURITY;
CREATE POLICY sites_select ON public.sites FOR SELECT TO authenticated
  USING (public.has_org_role(organization_id, 'viewer'));
CREATE POLICY sites_insert ON public.sites FOR INSERT TO authenticated
  WITH CHECK (public.has_org_role(organization_id, 'editor'));
CREATE POLICY sites_update ON public.sites FOR UPDATE TO authenticated
  USING (public.has_org_role(organization_id, 'editor'))
  WITH CHECK (public.has_org_role(organization_id, 'editor'));
CREATE POLICY sites_delete ON public.sites FOR DELETE TO authenticated
  USING (public.has_org_role(organization_id, 'admin'));

ALTER TABLE public.pages ENABLE ROW LEVEL SECURITY;
CREATE POLICY pages_select ON public.pages FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.sites s WHERE s.id = pages.site_id
                 AND public.has_org_role(s.organization_id, 'viewer')));
CREATE POLICY pages_write ON public.pages FOR ALL TO authenticated
  USING (EXISTS (SELECT 1 FROM public.sites s WHERE s.id = pages.site_id
                 AND public.has_org_role(s.organization_id, 'editor')))
  WITH CHECK (EXISTS (SELECT 1 FROM public.sites s WHERE s.id = pages.site_id
                 AND public.has_org_role(s.organization_id, 'editor')));

ALTER TABLE public.page_comments ENABLE ROW LEVEL SECURITY;
CREATE POLICY comments_select ON public.page_comments FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.pages p JOIN public.sites s ON s.id = p.site_id
                 WHERE p.id = page_comments.page_id AND public.has_org_role(s.organization_id, 'viewer')));
CREATE POLICY comments_insert ON public.page_comments FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND EXISTS (
                 SELECT 1 FROM public.pages p JOIN public.sites s ON s.id = p.site_id
                 WHERE p.id = page_comments.page_id AND public.has_org_role(s.organization_id, 'member')));
CREATE POLICY comments_update ON public.page_comments FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY comments_delete ON public.page_comments FOR DELETE TO authenticated
  USING (user_id = (SELECT auth.uid()));

CREATE VIEW public.user_sites WITH (security_invoker = true) AS
  SELECT s.id AS site_id, s.name, s.organization_id FROM public.sites s;
GRANT SELECT ON public.user_sites TO authenticated;
