CREATE TABLE u (id integer);
CREATE POLICY "q
drop table u;
--" ON u USING (true);
