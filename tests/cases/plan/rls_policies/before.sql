CREATE TABLE public.notes (
    id integer NOT NULL,
    owner_id uuid NOT NULL,
    body text,
    CONSTRAINT notes_pkey PRIMARY KEY (id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO authenticated;
CREATE TABLE public.docs (
    id integer NOT NULL,
    owner_id uuid NOT NULL,
    public boolean NOT NULL DEFAULT false,
    CONSTRAINT docs_pkey PRIMARY KEY (id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.docs TO authenticated;
GRANT SELECT ON public.docs TO anon;
ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY "read own" ON public.docs FOR SELECT TO authenticated USING (owner_id = auth.uid());
CREATE POLICY "write own" ON public.docs FOR ALL TO authenticated USING (owner_id = auth.uid());
CREATE POLICY "anyone" ON public.docs FOR SELECT TO anon USING (public);
CREATE TABLE public.open_log (id integer NOT NULL, msg text);
GRANT SELECT, INSERT ON public.open_log TO authenticated;
ALTER TABLE public.open_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY "all" ON public.open_log TO authenticated USING (true);
INSERT INTO public.notes SELECT g, gen_random_uuid(), 'n' || g FROM generate_series(1, 10) g;
