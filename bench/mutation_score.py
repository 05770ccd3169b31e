"""Mutation score of `verify` on the Roseram project and the corpus project with a contract
(issue 17; docs/verify.md "Mutation score").

    python bench/mutation_score.py                          # every non-equivalent mutant
    python bench/mutation_score.py --project default_grants # the corpus project
    python bench/mutation_score.py --sample 25 --harmless-sample 10 --seed 17 --part 1/2

Runs tests/verify/mutation.py against the benchmark's own server (bench/.work/pg-18): one
copy of the project per mutant, `verify` on each (`--workers`, default 2, at a time), one line
per mutant, then the table. The suite's part (tests/verify/test_mutation_score.py) runs a
smaller seeded sample.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from harness import BenchServer  # noqa: E402

from tests.verify import mutation  # noqa: E402

if __name__ == "__main__":
    server = BenchServer("18")
    sys.argv[1:1] = ["--dev-db", server.url]
    mutation.main()
