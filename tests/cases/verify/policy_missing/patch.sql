-- The write policy of pages was dropped: RLS now refuses every write the contract allows.
DROP POLICY pages_write ON public.pages;
