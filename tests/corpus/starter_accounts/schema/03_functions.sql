CREATE OR REPLACE FUNCTION basejump.has_role_on_account(account_id uuid, account_role basejump.account_role DEFAULT NULL)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER
SET search_path = public
AS $$
  SELECT EXISTS (
    SELECT 1 FROM basejump.account_user wu
    WHERE wu.user_id = auth.uid()
      AND wu.account_id = has_role_on_account.account_id
      AND (wu.account_role = has_role_on_account.account_role OR has_role_on_account.account_role IS NULL)
  );
$$;
GRANT EXECUTE ON FUNCTION basejump.has_role_on_account(uuid, basejump.account_role) TO authenticated;

-- Published without SET search_path, as many starter kits are: a lint finding, not a refusal.
CREATE OR REPLACE FUNCTION basejump.get_accounts_with_role(passed_in_role basejump.account_role DEFAULT NULL)
RETURNS SETOF uuid
LANGUAGE sql SECURITY DEFINER
AS $$
  SELECT account_id FROM basejump.account_user wu
  WHERE wu.user_id = auth.uid()
    AND (wu.account_role = passed_in_role OR passed_in_role IS NULL);
$$;
GRANT EXECUTE ON FUNCTION basejump.get_accounts_with_role(basejump.account_role) TO authenticated;

CREATE OR REPLACE FUNCTION basejump.trigger_set_timestamps()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at = now();
    NEW.updated_at = now();
  ELSE
    NEW.updated_at = now();
    NEW.created_at = OLD.created_at;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER basejump_set_accounts_timestamp
  BEFORE INSERT OR UPDATE ON basejump.accounts
  FOR EACH ROW EXECUTE PROCEDURE basejump.trigger_set_timestamps();

-- A new auth user gets a personal account and a profile: the trigger lives on auth.users.
CREATE OR REPLACE FUNCTION basejump.run_new_user_setup()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  first_account_id uuid;
BEGIN
  INSERT INTO basejump.accounts (name, primary_owner_user_id, personal_account, id)
  VALUES (split_part(NEW.email, '@', 1), NEW.id, true, NEW.id)
  RETURNING id INTO first_account_id;
  INSERT INTO basejump.account_user (account_id, user_id, account_role)
  VALUES (first_account_id, NEW.id, 'owner');
  INSERT INTO public.profiles (id) VALUES (NEW.id);
  RETURN NEW;
END
$$;

CREATE TRIGGER on_auth_user_created
  AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE PROCEDURE basejump.run_new_user_setup();
