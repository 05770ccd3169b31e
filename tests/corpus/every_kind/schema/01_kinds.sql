-- A booking app that uses every object kind roseram-schema models: a schema of its own with
-- its grants, domains, a composite type, an enum, a standalone sequence, tables with an
-- exclusion constraint and column grants, views, a materialized view, triggers, default
-- privileges, comments.
CREATE SCHEMA booking;
COMMENT ON SCHEMA booking IS 'rooms and reservations';
GRANT USAGE ON SCHEMA booking TO authenticated, service_role;
REVOKE ALL ON SCHEMA booking FROM public;

ALTER DEFAULT PRIVILEGES IN SCHEMA booking REVOKE EXECUTE ON FUNCTIONS FROM public;
ALTER DEFAULT PRIVILEGES IN SCHEMA booking GRANT SELECT ON TABLES TO service_role;

CREATE DOMAIN booking.email AS text
  CONSTRAINT email_shape CHECK (VALUE ~ '^[^@\s]+@[^@\s]+$');
CREATE DOMAIN booking.positive_money AS numeric(10, 2) NOT NULL DEFAULT 0
  CONSTRAINT positive CHECK (VALUE >= 0);

CREATE TYPE booking.address AS (street text, city text, postcode varchar(10));
CREATE TYPE booking.reservation_state AS ENUM ('held', 'confirmed', 'cancelled');

CREATE SEQUENCE booking.invoice_number AS bigint START WITH 1000 INCREMENT BY 1 CACHE 1;
GRANT USAGE ON SEQUENCE booking.invoice_number TO service_role;
