-- comment: z
SELECT 1
  FROM public.nothing
