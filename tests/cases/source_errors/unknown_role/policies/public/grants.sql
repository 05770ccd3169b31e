GRANT SELECT ON t TO service_role, PUBLIC, reader;
