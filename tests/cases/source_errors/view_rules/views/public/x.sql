CREATE VIEW x WITH (fillfactor = 10) AS SELECT a FROM t JOIN missing m ON true;
