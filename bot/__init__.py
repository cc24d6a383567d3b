"""The Teams surface: the HTTP edge, the adapter, the activity handler, commands and words."""
