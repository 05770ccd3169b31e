-- roseram-schema plan: 9 statement(s)
-- new enum values are committed first: PostgreSQL does not let the transaction that adds a value use it
BEGIN;

-- add value 'very happy' to enum public.mood (project.yaml:8:3)
ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'very happy' BEFORE 'happy';

-- add value 'neutral' to enum public.mood (project.yaml:8:3)
ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'neutral' AFTER 'happy';

-- add value 'angry' to enum public.mood (project.yaml:8:3)
ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'angry' AFTER 'sad';

COMMIT;

BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- create schema shop (project.yaml:3:5)
CREATE SCHEMA IF NOT EXISTS shop;

-- create extension citext (project.yaml:6:5)
DO $roseram$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'citext') THEN
    CREATE EXTENSION IF NOT EXISTS citext;
  END IF;
END
$roseram$;

-- create enum shop.status (open, closed) (project.yaml:9:3)
CREATE TYPE shop.status AS ENUM ('open', 'closed');

-- create table shop.orders (schema/shop/orders.yaml:1:1)
CREATE TABLE IF NOT EXISTS shop.orders (
    id integer NOT NULL,
    status shop.status DEFAULT 'open' NOT NULL,
    email text,
    CONSTRAINT orders_pkey PRIMARY KEY (id)
);

-- set default of public.people.mood to 'neutral'::public.mood (was no default) (schema/public/people.yaml:3:3)
ALTER TABLE public.people ALTER COLUMN mood SET DEFAULT 'neutral';

-- set comment on schema shop (project.yaml:3:5)
COMMENT ON SCHEMA shop IS 'the shop';

COMMIT;
