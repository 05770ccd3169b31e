-- security_invoker: true
SELECT id, customer, amount
FROM public.orders
WHERE amount > 10
