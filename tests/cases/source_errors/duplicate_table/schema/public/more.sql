
CREATE TABLE t (id uuid);
