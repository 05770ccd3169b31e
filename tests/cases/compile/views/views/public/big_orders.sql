-- security_invoker: true
-- security_barrier: true
-- check_option: local
-- comment: Orders over 100.
-- grants: {anon: [select]}
SELECT id, customer, amount
FROM public.orders
WHERE amount > 100
