"""The largest source files read (README "Project layout"): far above any hand-written file
(a YAML file declares one table), and a bound on what parsing one costs: composing YAML of
small values takes seconds and hundreds of MB per MiB (docs/benchmarks.md). A module of its
own, so that the loader and the YAML reader share them without importing each other."""

MAX_SQL_BYTES = 10 * 1024 * 1024
MAX_YAML_BYTES = 1024 * 1024
