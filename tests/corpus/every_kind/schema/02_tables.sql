CREATE TABLE booking.rooms (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  location booking.address,
  nightly_rate booking.positive_money
);
COMMENT ON TABLE booking.rooms IS 'bookable rooms';
GRANT SELECT ON booking.rooms TO authenticated;

CREATE TABLE booking.guests (
  id uuid PRIMARY KEY REFERENCES auth.users ON DELETE CASCADE,
  email booking.email NOT NULL,
  display_name text,
  notes text
);
GRANT SELECT (id, display_name), UPDATE (display_name) ON booking.guests TO authenticated;

CREATE TABLE booking.reservations (
  id bigserial PRIMARY KEY,
  room_id integer NOT NULL REFERENCES booking.rooms,
  guest_id uuid NOT NULL REFERENCES booking.guests,
  during tstzrange NOT NULL,
  state booking.reservation_state NOT NULL DEFAULT 'held',
  invoice bigint DEFAULT nextval('booking.invoice_number'),
  total booking.positive_money,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT no_double_booking EXCLUDE USING gist (during WITH &&) WHERE (state <> 'cancelled')
);
GRANT SELECT, INSERT ON booking.reservations TO authenticated;
GRANT USAGE ON SEQUENCE booking.reservations_id_seq TO authenticated;
CREATE INDEX reservations_guest_idx ON booking.reservations (guest_id);

ALTER TABLE booking.rooms ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking.guests ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking.reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking.reservations FORCE ROW LEVEL SECURITY;

CREATE POLICY rooms_read ON booking.rooms FOR SELECT TO authenticated USING (true);
CREATE POLICY guests_self ON booking.guests FOR ALL TO authenticated
  USING (id = (SELECT auth.uid())) WITH CHECK (id = (SELECT auth.uid()));
CREATE POLICY reservations_own ON booking.reservations FOR SELECT TO authenticated
  USING (guest_id = (SELECT auth.uid()));
CREATE POLICY reservations_book ON booking.reservations FOR INSERT TO authenticated
  WITH CHECK (guest_id = (SELECT auth.uid()) AND state = 'held');
