"""Terminal commands on the same services as the bot: rehearse, evaluate, transcribe.

Each command lives in its own module (``bot.cli.rehearse``, ``bot.cli.evaluate``,
``bot.cli.transcribe``); this package imports none of them, so ``python -m bot`` builds its
argument parser without loading the engine.
"""
