-- A schema written by hand, as a database built with psql would be, for `import`: it must
-- come back as a project that has no drift against this database. Needs the platform
-- stand-in (auth.uid(), anon, authenticated, service_role). Roles are cluster-wide: created
-- once, and a concurrent creator's error is harmless.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'roseram_import_reader') THEN
    BEGIN CREATE ROLE roseram_import_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
END
$$;

CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'the shop: orders, items, events';
GRANT USAGE ON SCHEMA shop TO authenticated, roseram_import_reader;

CREATE TYPE shop.order_status AS ENUM ('new', 'paid', 'shipped', 'it''s gone');
COMMENT ON TYPE shop.order_status IS 'where an order is';

CREATE TABLE shop.customers (
  id serial PRIMARY KEY,
  user_id uuid NOT NULL UNIQUE REFERENCES auth.users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  "Display Name" varchar(80) COLLATE "C",
  price_cap numeric(10, 2) DEFAULT 0.00,
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE shop.customers IS 'One row per customer: "name" is shown, it''s required.';
COMMENT ON COLUMN shop.customers.tags IS 'free tags,
two lines of comment';

CREATE TABLE shop.orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
  status shop.order_status NOT NULL DEFAULT 'new',
  total numeric(12, 2) NOT NULL,
  total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED,
  note text,
  updated_at timestamptz,
  CONSTRAINT orders_total_positive CHECK (total >= 0)
);
CREATE INDEX orders_customer_idx ON shop.orders (customer_id, id DESC);
CREATE INDEX orders_open_idx ON shop.orders (status) WHERE status <> 'shipped';
COMMENT ON INDEX shop.orders_open_idx IS 'orders still moving';

-- names that need quoting keep their case and spaces (file names are the names)
CREATE TABLE shop."Order Items" (
  order_id bigint NOT NULL REFERENCES shop.orders (id) ON DELETE CASCADE,
  "Line" smallint NOT NULL,
  sku text NOT NULL,
  PRIMARY KEY (order_id, "Line")
);
GRANT SELECT ON shop."Order Items" TO authenticated;

-- a partitioned table, with its partitions
CREATE TABLE shop.events (
  id bigint NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  payload jsonb,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2025 PARTITION OF shop.events
  FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00');
CREATE TABLE shop.events_default PARTITION OF shop.events DEFAULT;
CREATE INDEX events_kind_idx ON shop.events (kind);

-- a SECURITY DEFINER helper with a pinned search_path, executable by authenticated only
CREATE FUNCTION shop.owns_customer(cid integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT EXISTS (SELECT FROM shop.customers c WHERE c.id = cid AND c.user_id = auth.uid())
$$;
REVOKE EXECUTE ON FUNCTION shop.owns_customer(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shop.owns_customer(integer) TO authenticated;
COMMENT ON FUNCTION shop.owns_customer(integer) IS 'true when the caller is that customer';

-- grants, and one policy per command
GRANT SELECT, INSERT, UPDATE, DELETE ON shop.orders TO authenticated;
GRANT SELECT ON shop.orders, shop.customers TO roseram_import_reader;
GRANT SELECT, INSERT ON shop.customers TO authenticated;
-- every privilege the source can name (GRANT ALL would add MAINTAIN on PostgreSQL 17+)
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
  ON shop.orders, shop.customers, shop.events TO service_role;
ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop.orders FORCE ROW LEVEL SECURITY;
CREATE POLICY "customers: own row" ON shop.customers FOR ALL TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY orders_select ON shop.orders FOR SELECT TO authenticated
  USING (shop.owns_customer(customer_id));
CREATE POLICY orders_insert ON shop.orders FOR INSERT TO authenticated
  WITH CHECK (shop.owns_customer(customer_id) AND status = 'new');
CREATE POLICY orders_update ON shop.orders FOR UPDATE TO authenticated
  USING (shop.owns_customer(customer_id)) WITH CHECK (shop.owns_customer(customer_id));
CREATE POLICY orders_delete ON shop.orders FOR DELETE TO authenticated
  USING (shop.owns_customer(customer_id) AND status = 'new');
CREATE POLICY orders_not_shipped ON shop.orders AS RESTRICTIVE FOR UPDATE TO authenticated
  USING (status <> 'shipped');
COMMENT ON POLICY orders_select ON shop.orders IS 'a customer reads their own orders';

CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  NEW.updated_at := now();  -- a $$ in a comment
  RETURN NEW;
END
$body$;

CREATE PROCEDURE shop.archive(before timestamptz DEFAULT now())
LANGUAGE sql AS $$ DELETE FROM shop.events WHERE at < before $$;

CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION shop.touch();

-- functions and triggers of other shapes
CREATE FUNCTION shop.add_atomic(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE
BEGIN ATOMIC SELECT a + b; END;
CREATE FUNCTION shop.order_lines(n int) RETURNS TABLE (i int, s text) LANGUAGE sql STABLE
  AS $$ SELECT g, g::text FROM generate_series(1, n) g $$;
CREATE FUNCTION shop.total(VARIADIC xs numeric[]) RETURNS numeric LANGUAGE sql PARALLEL SAFE STRICT
  AS $$ SELECT sum(x) FROM unnest(xs) x $$;
CREATE FUNCTION shop."Audit Note"() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = shop, pg_temp SET work_mem = '64MB'
  AS $f$ BEGIN RAISE NOTICE 'it''s $$ here'; RETURN NULL; END $f$;
REVOKE ALL ON FUNCTION shop."Audit Note"() FROM PUBLIC;
CREATE TRIGGER orders_audit AFTER INSERT ON shop.orders REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION shop."Audit Note"();
CREATE CONSTRAINT TRIGGER customers_audit AFTER INSERT ON shop.customers
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION shop."Audit Note"();

-- views: security_invoker, a check option, a materialized view with an index
CREATE VIEW shop.my_orders WITH (security_invoker = true) AS
  SELECT o.id, o.status, o.total, c.name AS customer
  FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id;
COMMENT ON VIEW shop.my_orders IS 'the caller''s orders';
GRANT SELECT ON shop.my_orders TO authenticated;

CREATE VIEW shop.new_orders WITH (security_barrier) AS
  SELECT * FROM shop.orders WHERE status = 'new'
  WITH LOCAL CHECK OPTION;

CREATE MATERIALIZED VIEW shop.daily_totals AS
  SELECT date_trunc('day', at) AS day, count(*) AS n FROM shop.events GROUP BY 1;
CREATE UNIQUE INDEX daily_totals_day_idx ON shop.daily_totals (day);
CREATE TRIGGER my_orders_insert INSTEAD OF INSERT ON shop.my_orders
  FOR EACH ROW EXECUTE FUNCTION shop."Audit Note"();

-- objects the model does not know: import names them, it does not drop them silently
COMMENT ON CONSTRAINT orders_total_positive ON shop.orders IS 'no refunds here';
COMMENT ON COLUMN shop.my_orders.customer IS 'the customer''s name';
CREATE DOMAIN shop.positive_int AS integer CHECK (VALUE > 0);
CREATE SEQUENCE shop.invoice_numbers;
CREATE TABLE shop.bookings (room int NOT NULL, during tstzrange NOT NULL,
  CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&));
