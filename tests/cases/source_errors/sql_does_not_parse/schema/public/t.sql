CREATE TABLE t (a int);

CREATE TABLE u (a int,, b int);
