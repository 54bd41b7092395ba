"""Live voice adapter: receive path under DAVE, turn-taking, playback."""
