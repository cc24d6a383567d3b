"""Time: the injectable clock, the working-day calendar (and, later, meeting providers and chasers)."""
