CREATE TABLE items (
    id integer,
    "éééééééééééééééééééééééééééééééé" text
);
