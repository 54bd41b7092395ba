"""A loopback fake of OpenAI's audio endpoints for the real openai SDK (base_url=)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web

from bot.speech.audio import decode_audio, encode_ogg_opus

log = logging.getLogger(__name__)


@dataclass
class Recorded:
    """One request the fake received."""

    path: str
    fields: dict[str, list[str]]
    upload: bytes | None = None
    json: dict[str, Any] | None = None


@dataclass
class FakeOpenAIAudio:
    """Serves /v1/audio/transcriptions and /v1/audio/speech on 127.0.0.1."""

    words: list[tuple[str, float, float]] = field(default_factory=list)
    segments: list[tuple[str, float, float]] = field(default_factory=list)
    language: str = "english"
    fail_status: int | None = None
    requests: list[Recorded] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> None:
        """Start listening on a free loopback port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/audio/transcriptions", self._transcriptions)
        app.router.add_post("/v1/audio/speech", self._speech)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"

    async def close(self) -> None:
        """Stop the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    def _error(self) -> web.Response:
        """Return an OpenAI-shaped error."""
        assert self.fail_status is not None
        body = {"error": {"message": "boom", "type": "server_error", "code": None}}
        return web.json_response(body, status=self.fail_status)

    async def _transcriptions(self, request: web.Request) -> web.Response:
        """Check the multipart upload is real audio and answer with canned words."""
        form = await request.post()
        fields: dict[str, list[str]] = {}
        upload: bytes | None = None
        for key, value in form.items():
            if isinstance(value, web.FileField):
                upload = value.file.read()
            else:
                fields.setdefault(key, []).append(str(value))
        self.requests.append(Recorded(request.path, fields, upload=upload))
        if self.fail_status is not None:
            return self._error()
        if upload is None:
            return web.json_response({"error": {"message": "no file"}}, status=400)
        samples = decode_audio(upload)
        duration = samples.size / 16_000
        text = " ".join(segment[0] for segment in self.segments) or " ".join(
            word for word, _, _ in self.words
        )
        if fields.get("response_format", ["json"])[0] != "verbose_json":
            return web.json_response({"text": text})
        segments = self.segments or [(text, 0.0, duration)]
        return web.json_response(
            {
                "task": "transcribe",
                "language": self.language,
                "duration": duration,
                "text": text,
                "words": [{"word": w, "start": s, "end": e} for w, s, e in self.words],
                "segments": [
                    {
                        "id": index,
                        "seek": 0,
                        "start": start,
                        "end": end,
                        "text": segment_text,
                        "tokens": [1, 2, 3],
                        "temperature": 0.0,
                        "avg_logprob": -0.2,
                        "compression_ratio": 1.1,
                        "no_speech_prob": 0.01,
                    }
                    for index, (segment_text, start, end) in enumerate(segments)
                ],
            }
        )

    async def _speech(self, request: web.Request) -> web.Response:
        """Return ogg/opus speech: a tone lasting 80 ms per character."""
        body = await request.json()
        self.requests.append(Recorded(request.path, {}, json=body))
        if self.fail_status is not None:
            return self._error()
        seconds = 0.08 * len(body["input"])
        t = np.arange(int(48_000 * seconds)) / 48_000
        tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
        return web.Response(body=encode_ogg_opus(tone, 48_000), content_type="audio/ogg")
