CREATE SCHEMA app;
CREATE TABLE app.items (
    id integer NOT NULL,
    label text,
    CONSTRAINT items_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE app.items IS 'old comment';
COMMENT ON COLUMN app.items.label IS 'to be removed';
GRANT SELECT, UPDATE ON app.items TO anon;
GRANT USAGE ON SCHEMA app TO anon;
CREATE FUNCTION public.answer() RETURNS integer LANGUAGE sql AS $$ SELECT 42 $$;
