"""Progress domain: skill graph, drills and story bank (later issues)."""
