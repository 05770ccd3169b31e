-- security_invoker: true
-- grants: {authenticated: [select]}
-- comment: Every customer once.
SELECT DISTINCT customer FROM public.orders
