"""Photo contests, one module per part of the feature: set-up, entries, votes, results."""
