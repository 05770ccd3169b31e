"""Issue 17's measure for the adversarial probes: one weakening per copy of the Roseram
project, each of a class the polite probes missed, must make verify exit 4 with a failing cell
that names the table, the command and the persona; the unmodified project passes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from roseram_schema.cli.commands.verify import run_verify
from roseram_schema.errors import SourceError

ROSERAM = Path(__file__).resolve().parent.parent.parent

# (id, policies file, text, replacement, table, command, a persona that must fail, words)
MUTATIONS = [
    # 1. an author column no longer checked on INSERT: a project owner writes generations as
    #    another user (the probes used to fill user_id with the writer's own id)
    ("author-insert", "code_generations",
     "with_check: public.owns_project(project_id) AND user_id = (select auth.uid())\n  - name: update",
     "with_check: public.owns_project(project_id)\n  - name: update",
     "public.code_generations", "insert", "alice", "INSERT wrote user_id as another user"),
    # 5. a DELETE USING widened behind a tight SELECT policy: `DELETE FROM api_keys` deletes
    #    every active key, while `WHERE id IN (...)` (which applies SELECT policies) sees one
    ("delete-behind-select", "api_keys",
     "  - name: delete_own\n    command: delete\n    roles: [authenticated]\n"
     "    using: user_id = (select auth.uid())",
     "  - name: delete_own\n    command: delete\n    roles: [authenticated]\n"
     "    using: user_id = (select auth.uid()) OR is_active",
     "public.api_keys", "delete", "alice", "DELETE FROM t (no WHERE"),
    # 5. the same for UPDATE USING (its WITH CHECK still pins the owner)
    ("update-behind-select", "api_keys",
     "  - name: update_own\n    command: update\n    roles: [authenticated]\n"
     "    using: user_id = (select auth.uid())",
     "  - name: update_own\n    command: update\n    roles: [authenticated]\n"
     "    using: user_id = (select auth.uid()) OR is_active",
     "public.api_keys", "update", "alice", "UPDATE t SET c = <literal>"),
    # 5. an UPDATE WITH CHECK that stopped pinning the project, masked in every `WHERE id = ...`
    #    probe by the SELECT policy PostgreSQL then also checks the new row against
    ("check-behind-select", "chat_messages",
     "    using: public.owns_project(project_id)\n"
     "    with_check: public.owns_project(project_id) AND user_id = (select auth.uid())",
     "    using: public.owns_project(project_id)\n"
     "    with_check: user_id = (select auth.uid())",
     "public.chat_messages", "update", "alice", "UPDATE t SET project_id = outsider's (no WHERE"),
    # 3. pull: alice sets user_id = alice on bob's public project
    ("pull-public-project", "projects",
     "  - name: update_own\n    command: update\n    roles: [authenticated]\n"
     "    using: user_id = (select auth.uid())",
     "  - name: update_own\n    command: update\n    roles: [authenticated]\n"
     "    using: user_id = (select auth.uid()) OR is_public",
     "public.projects", "update", "alice", "pulled row bob (public) to alice"),
    # 3. a member takes over another member's comment
    ("pull-comment", "page_comments",
     "    using: user_id = (select auth.uid())\n    with_check: user_id = (select auth.uid()) AND",
     "    using: public.is_org_member(public.page_org(page_id))\n"
     "    with_check: user_id = (select auth.uid()) AND",
     "public.page_comments", "update", "mia", "pulled row"),
    # 2. a second foreign-key path to the tenant left unchecked on INSERT (site_id beside page_id)
    ("second-tenant-path", "ai_generations",
     "      AND (site_id IS NULL OR public.org_role_at_least(public.site_org(site_id), 'editor'))\n",
     "",
     "public.ai_generations", "insert", "alice", "INSERT put site_id in tenant B"),
    # tenants table owner column writable by admins: erin takes organization A over
    ("tenant-owner", "organizations",
     " AND owner_id = public.org_owner(id)", "",
     "public.organizations", "update", "erin", "UPDATE changed fixed column owner_id"),
    # 4. several memberships: tom, member of A and editor of B, moves B's sites into A
    ("member-of-a-editor-of-b", "sites",
     "    using: public.org_role_at_least(organization_id, 'editor')\n"
     "    with_check: public.org_role_at_least(organization_id, 'editor')",
     "    using: public.org_role_at_least(organization_id, 'editor')\n"
     "    with_check: public.is_org_member(organization_id)",
     "public.sites", "update", "tom", "UPDATE moved row tenant B to tenant A"),
]


def _copy_project(dest: Path) -> Path:
    dest.mkdir()
    shutil.copy(ROSERAM / "project.yaml", dest / "project.yaml")
    for folder in ("schema", "policies", "views"):
        shutil.copytree(ROSERAM / folder, dest / folder)
    return dest


def _failing(data) -> list[tuple]:
    return [
        (t["name"], cmd, persona, " | ".join(cell["details"]))
        for t in data["tables"] for persona, cmds in t["cells"].items()
        for cmd, cell in cmds.items() if cell["verdict"] in ("LEAK", "BLOCKED", "ERROR")
    ]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_weakening_fails_verify(mutation, pg_server, tmp_path, capsys):
    _id, policy, old, new, table, command, persona, words = mutation
    project = _copy_project(tmp_path / "roseram")
    path = project / "policies" / "public" / f"{policy}.yaml"
    text = path.read_text()
    assert text.count(old) == 1, f"mutation {_id} no longer applies to {policy}.yaml"
    path.write_text(text.replace(old, new))
    code = run_verify(project, None, pg_server.base_url, "json")
    data = json.loads(capsys.readouterr().out)
    failing = _failing(data)
    assert code == 4
    hits = [f for f in failing if f[:3] == (table, command, persona) and words in f[3]]
    assert hits, f"expected {table} {command} {persona} '{words}', got {failing}"


# rewrites that change no access: the adversarial probes must not flag them
HARMLESS = [
    ("operands-swapped", "api_keys",
     "    using: user_id = (select auth.uid())\n  - name: insert_own",
     "    using: (select auth.uid()) = user_id\n  - name: insert_own"),
    ("conjuncts-reordered", "code_generations",
     "with_check: public.owns_project(project_id) AND user_id = (select auth.uid())\n  - name: update",
     "with_check: user_id = (select auth.uid()) AND public.owns_project(project_id)\n  - name: update"),
    ("owner-pinned-twice", "organizations",
     " AND owner_id = public.org_owner(id)",
     " AND owner_id = public.org_owner(id) AND owner_id IS NOT DISTINCT FROM public.org_owner(id)"),
]


@pytest.mark.parametrize("rewrite", HARMLESS, ids=[h[0] for h in HARMLESS])
def test_harmless_rewrite_is_not_flagged(rewrite, pg_server, tmp_path, capsys):
    _id, policy, old, new = rewrite
    project = _copy_project(tmp_path / "roseram")
    _contract_line(project / "policies" / "public" / f"{policy}.yaml", old, new)
    code = run_verify(project, None, pg_server.base_url, "json")
    assert _failing(json.loads(capsys.readouterr().out)) == [] and code == 0


def test_unmodified_project_has_no_false_alarm(pg_server, tmp_path, capsys):
    project = _copy_project(tmp_path / "roseram")
    code = run_verify(project, None, pg_server.base_url, "json")
    data = json.loads(capsys.readouterr().out)
    assert _failing(data) == [] and code == 0
    assert "tom" in data["personas"]


def _contract_line(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


def test_hidden_column_read_through_table_and_view(pg_server, tmp_path, capsys):
    project = _copy_project(tmp_path / "roseram")
    _contract_line(project / "policies" / "public" / "integrations.yaml",
                   "contract: {all: admin+}", "contract: {all: admin+, hide: [credentials_encrypted]}")
    (project / "views" / "public" / "integration_list.sql").write_text(
        "-- security_invoker: true\n-- grants: {authenticated: [select]}\n"
        "SELECT i.id, i.credentials_encrypted FROM public.integrations i\n")
    code = run_verify(project, None, pg_server.base_url, "json")
    failing = _failing(json.loads(capsys.readouterr().out))
    assert code == 4
    assert ("public.integrations", "select", "erin",
            "reads hidden column credentials_encrypted (the role authenticated holds SELECT on it)") in failing
    assert any(f[:3] == ("public.integration_list", "select", "alice")
               and "exposes hidden column public.integrations.credentials_encrypted" in f[3]
               for f in failing)
    # mia (a member) sees no integration: nothing is read, nothing reported
    assert not [f for f in failing if f[2] == "mia"]


def test_contract_column_that_does_not_exist_is_a_declaration_error(pg_server, tmp_path, capsys):
    project = _copy_project(tmp_path / "roseram")
    _contract_line(project / "policies" / "public" / "organizations.yaml",
                   "fixed: [owner_id]", "fixed: [owner]")
    with pytest.raises(SourceError, match="table public.organizations has no column owner"):
        run_verify(project, None, pg_server.base_url, "json")
