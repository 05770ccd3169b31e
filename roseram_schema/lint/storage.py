"""Storage policies (policies on `storage.objects`, Supabase Storage's table): no catalog of
the project holds them (the storage schema belongs to the platform), so the caller reads them
from a live database (verify/storage_probe.read_storage_policies) and passes them here."""

from __future__ import annotations

from ..model import Policy
from . import sqlrefs
from .findings import Finding

CLIENT_ROLES = ("anon", "authenticated", "public")
# the columns an object is tied to its owner or its tenant by: the uploader (`owner`,
# `owner_id`) or the path (`(storage.foldername(name))[1] = auth.uid()::text`, `path_tokens`)
OWNER_COLUMNS = {"owner", "owner_id", "name", "path_tokens"}


def _commands(policy: Policy) -> tuple[str, ...]:
    return ("select", "insert", "update", "delete") if policy.command == "all" else (policy.command,)


def storage_write_unowned(policies: list[Policy], functions=()) -> list[Finding]:
    """storage-write-unowned: a permissive INSERT/UPDATE/DELETE policy on storage.objects,
    for an API role, whose expression ties neither the owner (`owner = auth.uid()`,
    `owner_id = auth.uid()::text`) nor the path (`(storage.foldername(name))[1] = ...` with
    the caller, or a membership lookup on it) to the caller: any user (or anyone, for anon)
    may overwrite or delete every object of the bucket. `functions` are the catalog's, for
    membership helpers that read auth.uid()."""
    callers = sqlrefs.caller_functions(functions)
    out = []
    for p in sorted(policies, key=lambda p: p.name):
        if not p.permissive or not set(p.roles) & set(CLIENT_ROLES):
            continue
        for command in _commands(p):
            if command == "select":
                continue
            texts = [p.with_check if p.with_check is not None else p.using] if command == "insert" else \
                [p.using] + ([p.with_check] if command == "update" and p.with_check is not None else [])
            untied = []
            for text in texts:
                tree = sqlrefs.parse_expression(text) if text else None
                if text is None or tree is None or not (
                        sqlrefs.tied_columns(tree, "objects", callers) & OWNER_COLUMNS):
                    untied.append(text or "true")
            if untied:
                out.append(Finding(f"storage.objects policy {p.name!r}", "storage-write-unowned", "error",
                                   f"the {command} of policy {p.name!r} on storage.objects ({', '.join(p.roles)}) "
                                   f"ties neither the object's owner nor its path to the caller "
                                   f"({untied[0]}): any caller may {command} other users' files",
                                   "add `owner_id = (select auth.uid())::text` or "
                                   "`(storage.foldername(name))[1] = (select auth.uid())::text`"))
                break
    return out
