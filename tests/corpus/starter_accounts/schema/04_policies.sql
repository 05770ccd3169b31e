CREATE POLICY "Basejump settings can be read by authenticated users" ON basejump.config
  FOR SELECT TO authenticated USING (true);

CREATE POLICY "Accounts are viewable by members" ON basejump.accounts
  FOR SELECT TO authenticated
  USING (basejump.has_role_on_account(id) = true);

CREATE POLICY "Accounts are viewable by primary owner" ON basejump.accounts
  FOR SELECT TO authenticated
  USING (primary_owner_user_id = auth.uid());

CREATE POLICY "Team accounts can be created by any user" ON basejump.accounts
  FOR INSERT TO authenticated
  WITH CHECK (personal_account = false);

CREATE POLICY "Accounts can be edited by owners" ON basejump.accounts
  FOR UPDATE TO authenticated
  USING (basejump.has_role_on_account(id, 'owner') = true);

CREATE POLICY "users can view their own account_users" ON basejump.account_user
  FOR SELECT TO authenticated
  USING (user_id = auth.uid());

CREATE POLICY "users can view their teammates" ON basejump.account_user
  FOR SELECT TO authenticated
  USING (basejump.has_role_on_account(account_id) = true);

CREATE POLICY "Account users can be deleted by owners except primary account owner" ON basejump.account_user
  FOR DELETE TO authenticated
  USING (
    basejump.has_role_on_account(account_id, 'owner') = true
    AND user_id != (SELECT primary_owner_user_id FROM basejump.accounts WHERE account_id = accounts.id)
  );

-- The whole expression is EXISTS, with an unqualified column of the subquery's table.
CREATE POLICY "Invitations viewable by account owners" ON basejump.invitations
  FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM basejump.account_user
                 WHERE account_user.account_id = invitations.account_id
                   AND user_id = auth.uid() AND account_role = 'owner'));

CREATE POLICY "Invitations can be created by account owners" ON basejump.invitations
  FOR INSERT TO authenticated
  WITH CHECK (basejump.has_role_on_account(account_id, 'owner') = true);

CREATE POLICY "Invitations can be deleted by account owners" ON basejump.invitations
  FOR DELETE TO authenticated
  USING (basejump.has_role_on_account(account_id, 'owner') = true);

CREATE POLICY "Public profiles are viewable by everyone." ON public.profiles
  FOR SELECT USING (true);
CREATE POLICY "Users can update own profile." ON public.profiles
  FOR UPDATE USING ((SELECT auth.uid()) = id);
