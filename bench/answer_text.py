"""A spoken-style answer, sentence by sentence, that the speech benchmarks synthesise."""

from __future__ import annotations

SENTENCES = [
    "I led the migration of our billing system from a monolith to three services.",
    "The main risk was double charging customers during the cut over.",
    "We wrote every payment event to a queue and made the consumers idempotent.",
    "Before the switch we ran both systems side by side for two weeks.",
    "Every night a job compared the invoices and flagged any difference.",
    "We found four bugs that way, and one of them would have cost real money.",
    "I set up a dashboard that showed error rates and latency for each region.",
    "When latency rose in Europe we traced it to a missing database index.",
    "Adding the index cut the slowest queries from two seconds to forty milliseconds.",
    "The rollout itself happened region by region over one weekend.",
    "We kept a feature flag so that we could move traffic back within a minute.",
    "Nobody had to use it, but the team slept better knowing it was there.",
    "Afterwards I wrote a short review of what went well and what did not.",
    "The biggest lesson was to agree on success metrics before writing code.",
    "Today the new system handles three times the traffic at half the cost.",
    "If I did it again I would involve the support team much earlier.",
]
