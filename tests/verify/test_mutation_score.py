"""Issue 17's mutation score, the suite's part: a seeded sample of the mutants of
tests/verify/mutation.py (two per weakening operator, the former survivors always among them,
one per harmless rewrite) run through `verify` on copies of the Roseram project, and one per
operator on the corpus project that has a contract (tests/corpus/default_grants with
tests/verify/corpus_projects/default_grants). The full run, with the published table, is
`python bench/mutation_score.py` (docs/verify.md, "Mutation score")."""

from __future__ import annotations

from collections import Counter

import pglast
import pytest
import yaml

from .mutation import (CORPUS_PROJECTS, HARMLESS, PINNED, WEAKENINGS, known_survivor, mutants,
                       run_all, sample)

# A measurement of the probes against the contracts, which rely on RLS semantics the two
# server versions share (tests/verify runs the probes themselves on both): run once, on the
# default server (tests/conftest.py).
pytestmark = pytest.mark.default_server_only

SEED = 17
PER_OP = 2
# Share of the sampled non-equivalent weakenings that a failing probe must kill. The full run
# (docs/verify.md) is the measure; this sample holds the suite to it.
PROBE_KILL_TARGET = 0.98
CORPUS = CORPUS_PROJECTS[0]
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(scope="module")
def all_mutants():
    return mutants()


def _valid(m) -> None:
    for rel, text in m.files.items():
        if rel.endswith(".yaml"):
            for policy in yaml.load(text, Loader=LOADER).get("policies") or []:
                for key in ("using", "with_check"):
                    if policy.get(key):
                        pglast.parse_sql(f"SELECT {policy[key]}")
        else:
            pglast.parse_sql(text)


def test_every_operator_yields_valid_mutants_deterministically(all_mutants):
    ops = Counter(m.op for m in all_mutants)
    # Roseram wraps every auth.uid() in a sub-select: nothing to wrap, only to unwrap
    assert set(ops) == set(WEAKENINGS + HARMLESS) - {"uid-wrapped"}, ops
    again = mutants()
    assert [m.name for m in again] == [m.name for m in all_mutants]
    assert [m.name for m in sample(all_mutants, PER_OP, SEED, pinned=PINNED)] == \
        [m.name for m in sample(again, PER_OP, SEED, pinned=PINNED)]
    for m in all_mutants + mutants(CORPUS):
        _valid(m)


def test_corpus_policies_written_in_sql_are_mutated_statement_by_statement():
    corpus = mutants(CORPUS)
    assert {"true-conjunct", "widen-using", "widen-command", "rls-off", "widen-helper"} <= {m.op for m in corpus}
    one = next(m for m in corpus if m.op == "widen-using")
    (rel, text), = one.files.items()
    assert rel == "schema/app.sql"
    assert "OR (SELECT auth.uid()) IS NOT NULL" in text and "CREATE TABLE public.notebooks" in text


def _sampled_weakenings(all_mutants):
    chosen = [m for m in sample(all_mutants, PER_OP, SEED, pinned=PINNED) if not m.harmless]
    corpus = mutants(CORPUS)
    return chosen + [m for m in sample(corpus, 1, SEED, pinned=tuple(m.name for m in corpus if m.op in (
        "widen-helper", "widen-command"))) if not m.harmless]


def _harmless(all_mutants):
    return ([m for m in sample(all_mutants, PER_OP, SEED, per_harmless=1) if m.harmless]
            + [m for m in sample(mutants(CORPUS), 1, SEED) if m.harmless])


def _one_per_exclusion_rule(all_mutants):
    excluded = {}
    for m in all_mutants + mutants(CORPUS):
        if m.equivalent:
            words = m.equivalent.split(" ")
            excluded.setdefault(" ".join(words[:3] if words[0] == "the" else words[:1]), m)
    return list(excluded.values())


@pytest.fixture(scope="module")
def runs(all_mutants, pg_server):
    """The three samples below, run together (two verify runs at a time keep busy to the end)."""
    groups = {"weakenings": _sampled_weakenings(all_mutants), "harmless": _harmless(all_mutants),
              "equivalent": _one_per_exclusion_rule(all_mutants)}
    run_all([m for group in groups.values() for m in group], pg_server.base_url)
    return groups


@pytest.fixture(scope="module")
def sampled_weakenings(runs):
    assert all(any(m.name.startswith(p) for m in runs["weakenings"]) for p in PINNED)
    return runs["weakenings"]


def test_sampled_weakenings_are_killed_by_probes_but_the_known_survivors(sampled_weakenings):
    """Every sampled weakening is killed by a failing probe, except the listed survivors
    (KNOWN_SURVIVORS names the probe each one lacks). A new survivor fails; so does a listed
    one that a probe now kills (take it off the list)."""
    chosen = sampled_weakenings
    assert not [m for m in chosen if m.outcome == "error"], [m.detail for m in chosen]
    unexpected = [f"{m.outcome}: {m.name} {m.detail}" for m in chosen
                  if (m.outcome == "probe") == bool(known_survivor(m))]
    assert unexpected == []


def test_probe_kill_score_reaches_the_target(sampled_weakenings):
    for project in ("roseram", CORPUS):
        run = [m for m in sampled_weakenings if m.project == project]
        by_probe = [m for m in run if m.outcome == "probe"]
        assert run and len(by_probe) >= PROBE_KILL_TARGET * len(run), \
            (project, [f"{m.outcome}: {m.name}" for m in run if m.outcome != "probe"])


def test_former_survivors_fail_the_probe_added_for_them(sampled_weakenings):
    """Each class of the last survivors is killed by the probe written for it, not by chance."""
    detail = {m.name: m.detail for m in sampled_weakenings}

    def of(prefix):
        return next(d for name, d in detail.items() if name.startswith(prefix))
    assert "UPDATE set user_id to another user" in of(PINNED[0])
    assert "UPDATE attached row" in of(PINNED[1]) and "(site_id), whose rows it may not read" in of(PINNED[1])
    assert "spare-user" in of(PINNED[2])
    assert "mia" in of(PINNED[3])
    assert "(public)" in of("widen-helper schema/app.sql:owns_notebook")


def test_harmless_rewrites_flag_nothing(runs):
    chosen = runs["harmless"]
    assert {m.op for m in chosen if m.project == "roseram"} == set(HARMLESS) - {"uid-wrapped"}
    flagged = [f"{m.outcome}: {m.name} {m.detail}" for m in chosen if m.outcome != "survived"]
    assert flagged == []


def test_mutants_excluded_as_equivalent_really_change_nothing(runs):
    """Each exclusion rule checked on one mutant it excludes: no probe may fail (a static rule
    may still name the text, e.g. `rls-disabled` on a table only service_role may touch)."""
    excluded = runs["equivalent"]
    assert len(excluded) >= 4, excluded  # grants (role, command, RLS off), subsumed, reviewed
    for m in excluded:
        assert m.outcome in ("survived", "finding"), \
            f"{m.name} ({m.equivalent}) was {m.outcome}: {m.detail}"
