-- roseram-schema plan: 4 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop table public.obsolete
-- hazard: deletes_data (blocking): drops table public.obsolete (~3 rows)
DROP TABLE IF EXISTS public.obsolete;

-- rename table public.settings to user_settings (schema/public/user_settings.yaml:1:1)
ALTER TABLE public.settings RENAME TO user_settings;

-- create table public.tags (schema/public/tags.yaml:1:1)
CREATE TABLE IF NOT EXISTS public.tags (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    label text NOT NULL,
    CONSTRAINT tags_pkey PRIMARY KEY (id),
    CONSTRAINT tags_label_key UNIQUE (label)
);

-- rename column public.user_settings.title to name (schema/public/user_settings.yaml:4:3)
ALTER TABLE public.user_settings RENAME COLUMN title TO name;

COMMIT;
