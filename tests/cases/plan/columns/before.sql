CREATE TABLE public.projects (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(20) NOT NULL,
    size integer,
    status text DEFAULT 'new',
    ticket integer NOT NULL,
    code text,
    code_upper text GENERATED ALWAYS AS (upper(code)) STORED,
    legacy text,
    level text DEFAULT '1',
    big integer DEFAULT 5,
    CONSTRAINT projects_pkey PRIMARY KEY (id)
);
INSERT INTO public.projects (name, size, ticket, code, legacy)
SELECT 'p' || g, g, g, 'c' || g, 'x' FROM generate_series(1, 25) g;
