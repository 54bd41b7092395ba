"""Mockingbird: an AI mock-interview coach that lives in Discord."""
