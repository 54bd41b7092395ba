"""Negotiations in `/privacy export` and `/privacy delete`: all of them, with every line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from bot.catalog import Language
from bot.negotiation import NegotiationService, Typed, default_currencies
from cogs.privacy._render import summary
from storage.db import Database
from storage.negotiations import SqliteNegotiationStore
from storage.privacy import sqlite_privacy_registry
from tests.fakes.clock import FixedClock

log = logging.getLogger(__name__)

ALICE, BOB = 770_077, 880_088


async def test_export_and_erase_cover_negotiations(tmp_path: Path) -> None:
    async with Database(tmp_path / "p.sqlite3") as db:
        svc = NegotiationService(
            SqliteNegotiationStore(db), default_currencies(), clock=FixedClock()
        )
        typed = Typed("Engineer", "120k", "140k", "USD")
        mine = await svc.start(typed, ALICE, 500, seed=1)
        assert mine.negotiation.id is not None
        await svc.reply(mine.negotiation.id, "ALICE-ASK: I'd like 145k given my experience.")
        await svc.stop_negotiation(mine.negotiation.id)
        await svc.start(typed, ALICE, None, seed=2)
        theirs = await svc.start(typed, BOB, 500, seed=3)
        assert theirs.negotiation.id is not None
        await svc.reply(theirs.negotiation.id, "BOB-ASK: 150k")

        registry = sqlite_privacy_registry(db)
        found = await registry.export(ALICE)
        document = json.loads(json.dumps(found.document))
        negotiations = document["negotiations"]
        assert len(negotiations) == 2 and found.counts.of("negotiations") == 2
        assert found.counts.of("negotiation_messages") == 1
        first = negotiations[0]
        assert first["debrief"]["budget"] == first["recruiter_state"]["budget"]
        assert [t["speaker"] for t in first["turns"]] == ["recruiter", "candidate", "recruiter"]
        assert "BOB-ASK" not in json.dumps(document)
        words = summary(found.counts, Language.EN)
        assert "2 salary negotiations" in words and "1 negotiation message" in words

        await registry.erase(ALICE)
        assert (await registry.export(ALICE)).document["negotiations"] == []
        assert await svc.active(ALICE, None) is None
        bob = await registry.export(BOB)
        assert len(bob.document["negotiations"]) == 1
        assert bob.document["negotiations"][0]["turns"][1]["text"] == "BOB-ASK: 150k"
