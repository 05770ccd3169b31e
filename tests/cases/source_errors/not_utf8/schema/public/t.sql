CREATE TABLE t (a text DEFAULT 'ÿ');
