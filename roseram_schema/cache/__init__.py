"""Every speed-up of the pipeline: caches of parsed files and desired states, the no-change memo, the kept database."""
