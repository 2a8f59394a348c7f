"""What every stage shares: errors, settings, names, passwords, atomic writes, YAML, paths."""
