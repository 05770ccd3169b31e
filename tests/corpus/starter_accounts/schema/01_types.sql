-- A starter kit in the style of basejump/makerkit: personal and team accounts, members with
-- a role, invitations by token. Published as plain SQL files run in name order.
CREATE SCHEMA IF NOT EXISTS basejump;
GRANT USAGE ON SCHEMA basejump TO authenticated, service_role;

CREATE TYPE basejump.account_role AS ENUM ('owner', 'member');
CREATE TYPE basejump.invitation_type AS ENUM ('one_time', '24_hour');
