"""Interview domain: sessions, turns, question selection, difficulty and the engine."""
