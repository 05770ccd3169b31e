CREATE TABLE public.settings (
    id integer NOT NULL,
    title text,
    CONSTRAINT settings_pkey PRIMARY KEY (id)
);
CREATE TABLE public.obsolete (id integer NOT NULL, CONSTRAINT obsolete_pkey PRIMARY KEY (id));
INSERT INTO public.settings SELECT g, 't' || g FROM generate_series(1, 10) g;
INSERT INTO public.obsolete SELECT g FROM generate_series(1, 3) g;
