CREATE FUNCTION booking.touch() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TRIGGER reservations_touch BEFORE UPDATE ON booking.reservations
  FOR EACH ROW EXECUTE FUNCTION booking.touch();

CREATE FUNCTION booking.nights(r booking.reservations) RETURNS integer
LANGUAGE sql STABLE
AS $$ SELECT (upper(r.during)::date - lower(r.during)::date) $$;
GRANT EXECUTE ON FUNCTION booking.nights(booking.reservations) TO authenticated;

CREATE VIEW booking.my_reservations WITH (security_invoker = true) AS
  SELECT r.id, r.room_id, rm.name AS room, r.during, r.state
  FROM booking.reservations r JOIN booking.rooms rm ON rm.id = r.room_id;
GRANT SELECT ON booking.my_reservations TO authenticated;

CREATE MATERIALIZED VIEW booking.room_occupancy AS
  SELECT room_id, count(*) AS reservations
  FROM booking.reservations WHERE state = 'confirmed' GROUP BY room_id
  WITH NO DATA;
CREATE UNIQUE INDEX room_occupancy_room_idx ON booking.room_occupancy (room_id);
