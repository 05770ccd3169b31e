-- Events partitioned by day; each user reads their own.
CREATE TABLE public.events (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  at date NOT NULL DEFAULT '2024-05-01',
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_other PARTITION OF public.events DEFAULT;
CREATE INDEX ON public.events (user_id);
ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.events FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
GRANT SELECT ON public.events TO authenticated;
GRANT ALL ON public.events TO service_role;
