-- roseram-schema plan: 11 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop check constraint public.teams.teams_code_check (schema/public/teams.yaml:1:1)
ALTER TABLE public.teams DROP CONSTRAINT IF EXISTS teams_code_check;

-- create table public.a_nodes (schema/public/a_nodes.yaml:2:1)
CREATE TABLE IF NOT EXISTS public.a_nodes (
    id integer NOT NULL,
    edge_id integer,
    CONSTRAINT a_nodes_pkey PRIMARY KEY (id)
);

-- create table public.b_edges (schema/public/b_edges.yaml:1:1)
CREATE TABLE IF NOT EXISTS public.b_edges (
    id integer NOT NULL,
    node_id integer,
    CONSTRAINT b_edges_pkey PRIMARY KEY (id)
);

-- add primary key constraint public.members.members_pkey (schema/public/members.yaml:5:14)
-- hazard: builds_index: public.members.members_pkey builds its index on public.members (~20 rows)
-- hazard: access_exclusive_lock: adding public.members.members_pkey holds an ACCESS EXCLUSIVE lock on public.members (~20 rows): reads and writes wait
ALTER TABLE public.members ADD CONSTRAINT members_pkey PRIMARY KEY (team_id, user_name);

-- add unique constraint public.teams.teams_name_key (schema/public/teams.yaml:7:5)
-- hazard: builds_index: public.teams.teams_name_key builds its index on public.teams (~5 rows)
-- hazard: access_exclusive_lock: adding public.teams.teams_name_key holds an ACCESS EXCLUSIVE lock on public.teams (~5 rows): reads and writes wait
ALTER TABLE public.teams ADD CONSTRAINT teams_name_key UNIQUE (name);

-- add check constraint public.members.members_score_check (schema/public/members.yaml:7:5)
ALTER TABLE public.members ADD CONSTRAINT members_score_check CHECK (score >= 0) NOT VALID;

-- add check constraint public.members.members_score_check (schema/public/members.yaml:7:5)
ALTER TABLE public.members VALIDATE CONSTRAINT members_score_check;

-- add foreign key constraint public.a_nodes.a_nodes_edge_id_fkey (schema/public/a_nodes.yaml:7:5)
ALTER TABLE public.a_nodes ADD CONSTRAINT a_nodes_edge_id_fkey FOREIGN KEY (edge_id) REFERENCES public.b_edges(id);

-- add foreign key constraint public.b_edges.b_edges_node_id_fkey (schema/public/b_edges.yaml:6:5)
ALTER TABLE public.b_edges ADD CONSTRAINT b_edges_node_id_fkey FOREIGN KEY (node_id) REFERENCES public.a_nodes(id);

-- add foreign key constraint public.members.members_team_id_fkey (schema/public/members.yaml:9:5)
ALTER TABLE public.members ADD CONSTRAINT members_team_id_fkey FOREIGN KEY (team_id) REFERENCES public.teams(id) ON DELETE CASCADE NOT VALID;

-- add foreign key constraint public.members.members_team_id_fkey (schema/public/members.yaml:9:5)
ALTER TABLE public.members VALIDATE CONSTRAINT members_team_id_fkey;

COMMIT;
