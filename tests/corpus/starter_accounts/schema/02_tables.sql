CREATE TABLE basejump.config (
  enable_team_accounts boolean DEFAULT true,
  enable_personal_account_billing boolean DEFAULT true,
  billing_provider text DEFAULT 'stripe'
);
GRANT SELECT ON basejump.config TO authenticated, service_role;
ALTER TABLE basejump.config ENABLE ROW LEVEL SECURITY;

CREATE TABLE basejump.accounts (
  id uuid UNIQUE NOT NULL DEFAULT gen_random_uuid(),
  primary_owner_user_id uuid REFERENCES auth.users NOT NULL DEFAULT auth.uid(),
  name text,
  slug text UNIQUE,
  personal_account boolean NOT NULL DEFAULT false,
  updated_at timestamptz,
  created_at timestamptz,
  created_by uuid REFERENCES auth.users,
  updated_by uuid REFERENCES auth.users,
  private_metadata jsonb DEFAULT '{}'::jsonb,
  public_metadata jsonb DEFAULT '{}'::jsonb,
  PRIMARY KEY (id),
  CONSTRAINT basejump_accounts_slug_null_if_personal_account_true CHECK (
    (personal_account = true AND slug IS NULL) OR (personal_account = false AND slug IS NOT NULL))
);
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE basejump.accounts TO authenticated, service_role;
ALTER TABLE basejump.accounts ENABLE ROW LEVEL SECURITY;

CREATE TABLE basejump.account_user (
  user_id uuid REFERENCES auth.users ON DELETE CASCADE NOT NULL,
  account_id uuid REFERENCES basejump.accounts ON DELETE CASCADE NOT NULL,
  account_role basejump.account_role NOT NULL,
  CONSTRAINT account_user_pkey PRIMARY KEY (user_id, account_id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE basejump.account_user TO authenticated, service_role;
ALTER TABLE basejump.account_user ENABLE ROW LEVEL SECURITY;

CREATE TABLE basejump.invitations (
  id uuid UNIQUE NOT NULL DEFAULT gen_random_uuid(),
  account_role basejump.account_role NOT NULL,
  account_id uuid REFERENCES basejump.accounts (id) ON DELETE CASCADE NOT NULL,
  token text UNIQUE NOT NULL DEFAULT md5(random()::text),
  invited_by_user_id uuid REFERENCES auth.users NOT NULL,
  account_name text,
  updated_at timestamptz,
  created_at timestamptz,
  invitation_type basejump.invitation_type NOT NULL,
  PRIMARY KEY (id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE basejump.invitations TO authenticated, service_role;
ALTER TABLE basejump.invitations ENABLE ROW LEVEL SECURITY;

-- The app's own table in public: it relies on Supabase's default grants there.
CREATE TABLE public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users ON DELETE CASCADE,
  username text UNIQUE,
  avatar_url text,
  updated_at timestamptz
);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE INDEX profiles_username_idx ON public.profiles (lower(username));
