-- the planted mistake -- a view without security_invoker runs with its owner's rights, who reads
-- auth.users; anon and every user get every user's e-mail
-- grants: {anon: [select], authenticated: [select], service_role: [select]}
SELECT u.id, u.email FROM auth.users u
