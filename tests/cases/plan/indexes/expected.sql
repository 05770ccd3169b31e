-- roseram-schema plan: 7 statement(s), 4 outside the transaction
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop index public.events_kind_idx (schema/public/events.yaml:8:5)
DROP INDEX IF EXISTS public.events_kind_idx;

-- drop index public.events_old_idx (schema/public/events.yaml:1:1)
DROP INDEX IF EXISTS public.events_old_idx;

-- create index public.empty_log_note_idx on public.empty_log (note) (schema/public/empty_log.yaml:5:5)
-- hazard: builds_index: builds public.empty_log_note_idx on public.empty_log (no rows), blocking writes while it builds
CREATE INDEX IF NOT EXISTS empty_log_note_idx ON public.empty_log (note);

COMMIT;

-- outside the transaction: CONCURRENTLY cannot run inside one; each statement can be re-run

-- create index public.events_created_at_idx on public.events (created_at DESC) (schema/public/events.yaml:9:5)
-- hazard: builds_index: builds public.events_created_at_idx on public.events (~200 rows), concurrently, outside the transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_created_at_idx ON public.events (created_at DESC);

-- create index public.events_kind_idx on public.events (kind) (schema/public/events.yaml:8:5)
-- hazard: builds_index: builds public.events_kind_idx on public.events (~200 rows), concurrently, outside the transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_kind_idx ON public.events (kind) WHERE payload IS NOT NULL;

-- create index public.events_lower_id_idx on public.events (lower(kind)) (schema/public/events.yaml:11:5)
-- hazard: builds_index: builds public.events_lower_id_idx on public.events (~200 rows), concurrently, outside the transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_lower_id_idx ON public.events (lower(kind)) INCLUDE (id) WHERE kind <> 'k0';

-- create index public.events_payload_gin on public.events (payload) (schema/public/events.yaml:10:5)
-- hazard: builds_index: builds public.events_payload_gin on public.events (~200 rows), concurrently, outside the transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS events_payload_gin ON public.events USING gin (payload);
