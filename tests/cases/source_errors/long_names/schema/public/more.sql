CREATE TABLE items (
    id integer,
    "ééééééééééééééééééééééééééééééééa" text,
    "ééééééééééééééééééééééééééééééééb" text,
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" text
);
