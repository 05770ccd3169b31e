-- security_invoker: true
SELECT * FROM c
