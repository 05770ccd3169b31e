-- fixed -- the caller's own row only, and nothing for anon
-- grants: {authenticated: [select], service_role: [select]}
SELECT u.id, u.email FROM auth.users u WHERE u.id = (select auth.uid())
