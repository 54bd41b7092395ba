"""Discord entry points: one package per command group, thin."""
