CREATE TABLE t (a int);
GRANT SELECT (a) ON t TO anon;
