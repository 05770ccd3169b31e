"""Issue 17's mutation score, the suite's part: a seeded sample of the mutants of
tests/verify/mutation.py (two per weakening operator, one per harmless rewrite) run through
`verify` on copies of the Roseram project. The full run, with the published table, is
`python bench/mutation_score.py` (docs/verify.md, "Mutation score")."""

from __future__ import annotations

from collections import Counter

import pglast
import pytest
import yaml

from .mutation import HARMLESS, WEAKENINGS, known_survivor, mutants, run_one, sample

SEED = 17
PER_OP = 2
# Share of the sampled non-equivalent weakenings that a failing probe must kill. The full run
# (docs/verify.md) is the measure; this sample holds the suite to it.
PROBE_KILL_TARGET = 0.98


@pytest.fixture(scope="module")
def all_mutants():
    return mutants()


def test_every_operator_yields_valid_mutants_deterministically(all_mutants):
    ops = Counter(m.op for m in all_mutants)
    # Roseram wraps every auth.uid() in a sub-select: nothing to wrap, only to unwrap
    assert set(ops) == set(WEAKENINGS + HARMLESS) - {"uid-wrapped"}, ops
    again = mutants()
    assert [m.name for m in again] == [m.name for m in all_mutants]
    assert [m.name for m in sample(all_mutants, PER_OP, SEED)] == \
        [m.name for m in sample(again, PER_OP, SEED)]
    for m in all_mutants:
        for rel, text in m.files.items():
            if rel.endswith(".yaml"):
                for policy in yaml.safe_load(text).get("policies") or []:
                    for key in ("using", "with_check"):
                        if policy.get(key):
                            pglast.parse_sql(f"SELECT {policy[key]}")
            else:
                pglast.parse_sql(text)


@pytest.fixture(scope="module")
def sampled_weakenings(all_mutants, pg_server):
    chosen = [m for m in sample(all_mutants, PER_OP, SEED) if not m.harmless]
    for m in chosen:
        run_one(m, pg_server.base_url)
    return chosen


def test_sampled_weakenings_are_killed_by_probes_but_the_known_survivors(sampled_weakenings):
    """Every sampled weakening is killed by a failing probe, except the listed survivors
    (KNOWN_SURVIVORS names the probe each one lacks). A new survivor fails; so does a listed
    one that a probe now kills (take it off the list)."""
    chosen = sampled_weakenings
    assert not [m for m in chosen if m.outcome == "error"], [m.detail for m in chosen]
    unexpected = [f"{m.outcome}: {m.name} {m.detail}" for m in chosen
                  if (m.outcome == "probe") == bool(known_survivor(m))]
    assert unexpected == []


@pytest.mark.xfail(strict=True, reason="issue 17 target not reached: the KNOWN_SURVIVORS of "
                   "tests/verify/mutation.py lack a probe (docs/verify.md, Mutation score)")
def test_probe_kill_score_reaches_the_target(sampled_weakenings):
    by_probe = [m for m in sampled_weakenings if m.outcome == "probe"]
    assert len(by_probe) >= PROBE_KILL_TARGET * len(sampled_weakenings)


def test_harmless_rewrites_flag_nothing(all_mutants, pg_server):
    chosen = [m for m in sample(all_mutants, PER_OP, SEED, per_harmless=1) if m.harmless]
    assert {m.op for m in chosen} == set(HARMLESS) - {"uid-wrapped"}
    for m in chosen:
        run_one(m, pg_server.base_url)
    flagged = [f"{m.outcome}: {m.name} {m.detail}" for m in chosen if m.outcome != "survived"]
    assert flagged == []


def test_mutants_excluded_as_equivalent_really_change_nothing(all_mutants, pg_server):
    """Each exclusion rule checked on one mutant it excludes: no probe may fail (a static rule
    may still name the text, e.g. `rls-disabled` on a table only service_role may touch)."""
    excluded = {}
    for m in all_mutants:
        if m.equivalent:
            excluded.setdefault(m.equivalent.split(" ")[0], m)
    assert len(excluded) >= 4, excluded  # grants (role, command, RLS off), subsumed, reviewed
    for m in excluded.values():
        run_one(m, pg_server.base_url)
        assert m.outcome in ("survived", "finding"), \
            f"{m.name} ({m.equivalent}) was {m.outcome}: {m.detail}"
