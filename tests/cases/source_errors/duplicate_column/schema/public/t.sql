CREATE TABLE t (
    id uuid,
    name text,
    id bigint
);
