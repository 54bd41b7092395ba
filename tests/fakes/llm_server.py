"""A loopback fake of the OpenAI and Anthropic HTTP APIs for driving the real SDK clients."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

ReplyFn = Callable[[dict[str, Any]], str]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CHARS_PER_TOKEN = 4


@dataclass(slots=True)
class Behaviour:
    """How the fake answers one request."""

    text: str | ReplyFn = '{"ok": true}'
    status: int = 200
    retry_after: float | None = None
    error_type: str | None = None
    ttft_s: float = 0.0
    tokens_per_s: float | None = None
    drop_after_tokens: int | None = None
    # Close the stream cleanly without the terminal event (no [DONE] / message_stop).
    truncate_after_tokens: int | None = None
    # Send an in-stream error event after this many tokens (HTTP status stays 200).
    error_after_tokens: int | None = None
    input_tokens: int | None = None
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    # Quote the caller's API key in error messages, as some vendors do.
    echo_key: bool = False

    def reply(self, body: dict[str, Any]) -> str:
        """Return the reply text for a request body."""
        return self.text(body) if callable(self.text) else self.text


@dataclass(slots=True)
class RecordedRequest:
    """A request the fake received."""

    api: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(slots=True)
class Endpoint:
    """Per-API programmable behaviour: a queue consumed per request, then the default."""

    default: Behaviour = field(default_factory=Behaviour)
    queue: deque[Behaviour] = field(default_factory=deque)

    def next(self) -> Behaviour:
        """Return the behaviour for the next request."""
        return self.queue.popleft() if self.queue else self.default

    def push(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next requests, in order."""
        self.queue.extend(behaviours)


def split_tokens(text: str) -> list[str]:
    """Cut text into fake "tokens" of a few characters."""
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


class FakeLLMServer:
    """An aiohttp server speaking both vendors' chat APIs on 127.0.0.1."""

    def __init__(self) -> None:
        self.openai = Endpoint()
        self.anthropic = Endpoint()
        self.requests: list[RecordedRequest] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._guard(self._openai))
        app.router.add_post("/v1/messages", self._guard(self._anthropic))
        self._app = app

    @property
    def openai_base_url(self) -> str:
        """Return the base_url to give AsyncOpenAI."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """Return the base_url to give AsyncAnthropic."""
        return f"http://127.0.0.1:{self.port}"

    def requests_for(self, api: str) -> list[RecordedRequest]:
        """Return the recorded requests for one API ("openai" or "anthropic")."""
        return [r for r in self.requests if r.api == api]

    async def start(self) -> FakeLLMServer:
        """Start listening on an ephemeral loopback port."""
        self._runner = web.AppRunner(
            self._app, handle_signals=False, access_log=None, shutdown_timeout=0.05
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self.port = int(sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        """Stop the server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLLMServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @staticmethod
    def _guard(handler: Handler) -> Handler:
        """Ignore the client going away mid-stream (timeouts and drops are the point)."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ConnectionResetError:
                log.debug("fake LLM client went away during %s", request.path)
                return web.Response(status=499)

        return guarded

    async def _record(self, api: str, request: web.Request) -> dict[str, Any]:
        """Store the request and return its JSON body."""
        body: dict[str, Any] = await request.json()
        self.requests.append(
            RecordedRequest(
                api=api,
                path=request.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
            )
        )
        return body

    @staticmethod
    def _input_tokens(b: Behaviour, body: dict[str, Any]) -> int:
        """Return a plausible prompt token count."""
        if b.input_tokens is not None:
            return b.input_tokens
        return max(1, len(json.dumps(body, ensure_ascii=False)) // CHARS_PER_TOKEN)

    @staticmethod
    def _error_message(b: Behaviour, request: web.Request) -> str:
        """Return an error message, quoting the caller's key when asked to."""
        if not b.echo_key:
            return f"fake {b.status}"
        auth = request.headers.get("x-api-key") or request.headers.get("authorization") or ""
        key = auth.removeprefix("Bearer ").strip()
        return f"fake {b.status}: Incorrect API key provided: {key}"

    @staticmethod
    def _error_headers(b: Behaviour) -> dict[str, str]:
        """Return headers for an error reply."""
        return {"retry-after": str(b.retry_after)} if b.retry_after is not None else {}

    @staticmethod
    async def _pace(b: Behaviour, index: int) -> None:
        """Sleep to honour time-to-first-token and tokens per second."""
        if index == 0:
            if b.ttft_s:
                await asyncio.sleep(b.ttft_s)
        elif b.tokens_per_s:
            await asyncio.sleep(1.0 / b.tokens_per_s)

    @staticmethod
    def _drop(request: web.Request) -> None:
        """Abort the TCP connection mid-response."""
        transport = request.transport
        if transport is not None:
            transport.abort()

    # OpenAI ---------------------------------------------------------------------------

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        body = await self._record("openai", request)
        b = self.openai.next()
        if b.status != 200:
            if b.ttft_s:
                await asyncio.sleep(b.ttft_s)
            kind = b.error_type or {429: "rate_limit_exceeded"}.get(b.status, "server_error")
            return web.json_response(
                {
                    "error": {
                        "message": self._error_message(b, request),
                        "type": kind,
                        "code": kind,
                    }
                },
                status=b.status,
                headers=self._error_headers(b),
            )
        text = b.reply(body)
        tokens = split_tokens(text)
        prompt = self._input_tokens(b, body)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": len(tokens),
            "total_tokens": prompt + len(tokens),
            "prompt_tokens_details": {"cached_tokens": b.cached_tokens},
        }
        model = body.get("model", "fake")
        if not body.get("stream"):
            await self._pace(b, 0)
            return web.json_response(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 0,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            data = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(data)}\n\n".encode()

        await self._pace(b, 0)
        await resp.write(chunk({"role": "assistant", "content": ""}))
        for i, tok in enumerate(tokens):
            if i:
                await self._pace(b, i)
            if b.drop_after_tokens is not None and i >= b.drop_after_tokens:
                self._drop(request)
                return resp
            if b.truncate_after_tokens is not None and i >= b.truncate_after_tokens:
                await resp.write_eof()
                return resp
            if b.error_after_tokens is not None and i >= b.error_after_tokens:
                err = {"error": {"message": "fake stream error", "type": "server_error"}}
                await resp.write(f"data: {json.dumps(err)}\n\n".encode())
                await resp.write_eof()
                return resp
            await resp.write(chunk({"content": tok}))
        await resp.write(chunk({}, "stop"))
        final = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        await resp.write(f"data: {json.dumps(final)}\n\n".encode())
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    # Anthropic ------------------------------------------------------------------------

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        body = await self._record("anthropic", request)
        b = self.anthropic.next()
        if b.status != 200:
            if b.ttft_s:
                await asyncio.sleep(b.ttft_s)
            kind = b.error_type or {
                429: "rate_limit_error",
                529: "overloaded_error",
                401: "authentication_error",
                400: "invalid_request_error",
            }.get(b.status, "api_error")
            return web.json_response(
                {
                    "type": "error",
                    "error": {"type": kind, "message": self._error_message(b, request)},
                },
                status=b.status,
                headers=self._error_headers(b),
            )
        text = b.reply(body)
        tokens = split_tokens(text)
        prompt = self._input_tokens(b, body)
        usage = {
            "input_tokens": prompt,
            "output_tokens": 1,
            "cache_read_input_tokens": b.cached_tokens,
            "cache_creation_input_tokens": b.cache_write_tokens,
        }
        model = body.get("model", "fake")
        message = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        if not body.get("stream"):
            await self._pace(b, 0)
            message["content"] = [{"type": "text", "text": text}]
            message["stop_reason"] = "end_turn"
            message["usage"] = {**usage, "output_tokens": len(tokens)}
            return web.json_response(message)
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)

        def event(name: str, data: dict[str, Any]) -> bytes:
            return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()

        await resp.write(event("message_start", {"message": message}))
        await resp.write(
            event(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            )
        )
        await resp.write(event("ping", {}))
        for i, tok in enumerate(tokens):
            await self._pace(b, i)
            if b.drop_after_tokens is not None and i >= b.drop_after_tokens:
                self._drop(request)
                return resp
            if b.truncate_after_tokens is not None and i >= b.truncate_after_tokens:
                await resp.write_eof()
                return resp
            if b.error_after_tokens is not None and i >= b.error_after_tokens:
                err = {"error": {"type": "overloaded_error", "message": "Overloaded"}}
                await resp.write(event("error", err))
                await resp.write_eof()
                return resp
            await resp.write(
                event(
                    "content_block_delta",
                    {"index": 0, "delta": {"type": "text_delta", "text": tok}},
                )
            )
        if not tokens:
            await self._pace(b, 0)
        await resp.write(event("content_block_stop", {"index": 0}))
        await resp.write(
            event(
                "message_delta",
                {
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": len(tokens)},
                },
            )
        )
        await resp.write(event("message_stop", {}))
        await resp.write_eof()
        return resp
