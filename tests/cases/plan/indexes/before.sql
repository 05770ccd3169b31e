CREATE TABLE public.events (
    id bigint NOT NULL,
    kind text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb,
    CONSTRAINT events_pkey PRIMARY KEY (id)
);
CREATE INDEX events_kind_idx ON public.events (kind);
CREATE INDEX events_old_idx ON public.events (created_at);
INSERT INTO public.events SELECT g, 'k' || (g % 3), now(), '{}' FROM generate_series(1, 200) g;
CREATE TABLE public.empty_log (id bigint NOT NULL, note text);
