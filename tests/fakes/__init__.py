"""Test doubles shared across the test suite."""
