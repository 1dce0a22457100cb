"""The staff dashboard: PAs, team managers, content editors and admins (English only)."""
