CREATE TYPE public.mood AS ENUM ('happy', 'sad');
CREATE TABLE public.people (id integer NOT NULL, mood public.mood, CONSTRAINT people_pkey PRIMARY KEY (id));
INSERT INTO public.people VALUES (1, 'happy'), (2, 'sad');
