CREATE TABLE public.teams (
    id integer NOT NULL,
    name text NOT NULL,
    code text,
    CONSTRAINT teams_pkey PRIMARY KEY (id),
    CONSTRAINT teams_code_check CHECK (code <> '')
);
CREATE TABLE public.members (
    team_id integer NOT NULL,
    user_name text NOT NULL,
    score integer
);
INSERT INTO public.teams SELECT g, 'team ' || g, 'c' || g FROM generate_series(1, 5) g;
INSERT INTO public.members SELECT (g % 5) + 1, 'u' || g, g FROM generate_series(1, 20) g;
