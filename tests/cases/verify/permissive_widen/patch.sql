-- A second permissive SELECT policy ("recently shared pages") is OR-ed with the member
-- policy and widens it to every signed-in user.
CREATE POLICY pages_shared ON public.pages FOR SELECT TO authenticated
  USING (title IS NOT NULL);
