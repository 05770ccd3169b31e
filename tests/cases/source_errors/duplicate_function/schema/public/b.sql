-- same signature, other file
CREATE OR REPLACE FUNCTION public.f(y integer) RETURNS int LANGUAGE sql AS 'select y';
CREATE FUNCTION f(x text) RETURNS int LANGUAGE sql AS 'select 1';
