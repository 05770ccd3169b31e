-- roseram-schema plan: 3 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop partition public.events_2023 of public.events (schema/public/events.yaml:1:1)
-- hazard: deletes_data (blocking): drops partition public.events_2023 of public.events and its rows
DROP TABLE IF EXISTS public.events_2023;

-- create partition public.events_2025 of public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') (schema/public/events.yaml:7:5)
CREATE TABLE IF NOT EXISTS public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

-- create partition public.events_default of public.events DEFAULT (schema/public/events.yaml:8:5)
CREATE TABLE IF NOT EXISTS public.events_default PARTITION OF public.events DEFAULT;

COMMIT;
