-- security_invoker: true

SELECT a,
  FROM t
