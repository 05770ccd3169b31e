-- Every object written as plain DDL instead of YAML.
CREATE SCHEMA shop;
CREATE TYPE shop.size AS ENUM ('s', 'm', 'l');

CREATE TABLE shop.items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    sku text NOT NULL UNIQUE,
    size shop.size,
    price numeric(10, 2) NOT NULL CHECK (price >= 0),
    deleted_at timestamptz
);

CREATE INDEX items_owner_idx ON shop.items (owner_id) WHERE deleted_at IS NULL;
COMMENT ON TABLE shop.items IS 'Things for sale.';
COMMENT ON COLUMN shop.items.sku IS 'Stock keeping unit';
GRANT SELECT ON shop.items TO anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON shop.items TO authenticated;

CREATE FUNCTION shop.item_count(owner uuid) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM shop.items WHERE owner_id = owner $$;
GRANT EXECUTE ON FUNCTION shop.item_count(uuid) TO authenticated;
