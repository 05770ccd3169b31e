-- A chat app: rooms, members, messages partitioned by month, realtime on messages and
-- members (the publication Supabase creates), full row images for realtime's old record.
CREATE TABLE public.rooms (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  is_private boolean NOT NULL DEFAULT false,
  created_by uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.room_members (
  room_id uuid NOT NULL REFERENCES public.rooms ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room_id, user_id)
);

CREATE TABLE public.messages (
  id bigint GENERATED ALWAYS AS IDENTITY,
  room_id uuid NOT NULL,
  user_id uuid NOT NULL DEFAULT auth.uid(),
  body text NOT NULL CHECK (char_length(body) <= 4000),
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, sent_at),
  FOREIGN KEY (room_id) REFERENCES public.rooms (id) ON DELETE CASCADE
) PARTITION BY RANGE (sent_at);

CREATE TABLE public.messages_2024 PARTITION OF public.messages
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.messages_2025 PARTITION OF public.messages
  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE public.messages_default PARTITION OF public.messages DEFAULT;

CREATE INDEX messages_room_sent_idx ON public.messages (room_id, sent_at DESC);

CREATE FUNCTION public.is_room_member(rid uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT EXISTS (SELECT 1 FROM public.room_members m WHERE m.room_id = rid AND m.user_id = auth.uid())
$$;
REVOKE EXECUTE ON FUNCTION public.is_room_member(uuid) FROM anon, public;

ALTER TABLE public.rooms ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.room_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;
-- a partition read directly answers with its own RLS: closed like its parent
ALTER TABLE public.messages_2024 ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.messages_2025 ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.messages_default ENABLE ROW LEVEL SECURITY;

CREATE POLICY "public rooms or mine" ON public.rooms FOR SELECT TO authenticated
  USING (NOT is_private OR public.is_room_member(id));
CREATE POLICY "anyone signed in creates rooms" ON public.rooms FOR INSERT TO authenticated
  WITH CHECK (created_by = (SELECT auth.uid()));
CREATE POLICY "members see members" ON public.room_members FOR SELECT TO authenticated
  USING (public.is_room_member(room_id));
CREATE POLICY "join yourself" ON public.room_members FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY "members read messages" ON public.messages FOR SELECT TO authenticated
  USING (public.is_room_member(room_id));
CREATE POLICY "members write messages" ON public.messages FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND public.is_room_member(room_id));

ALTER TABLE public.messages REPLICA IDENTITY FULL;
ALTER TABLE public.room_members REPLICA IDENTITY FULL;
ALTER PUBLICATION supabase_realtime ADD TABLE public.messages, public.room_members;
