"""`/negotiate`: the salary negotiation simulator in a private thread."""

from cogs.negotiate.cog import NegotiateCog

__all__ = ["NegotiateCog"]
