-- security_invoker: true
-- grants: {authenticated: [select]}
-- comment: Orders over 10, with their region.
SELECT id, customer, amount, region
FROM public.orders
WHERE amount > 10
