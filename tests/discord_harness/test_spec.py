"""Check the spec matcher and validator on their own."""

from __future__ import annotations

import logging

from discord_harness import load_spec
from discord_harness.fake import normalize_template

log = logging.getLogger(__name__)


def test_literal_segments_beat_placeholders() -> None:
    spec = load_spec()
    me = spec.match("GET", "/api/v10/users/@me")
    other = spec.match("GET", "/api/v10/users/42")
    original = spec.match("PATCH", "/api/v10/webhooks/1/tok/messages/@original")
    assert me is not None and me.operation.template == "/users/@me"
    assert other is not None and other.params == {"user_id": "42"}
    assert original is not None
    assert original.operation.template.endswith("/messages/@original")
    assert original.params == {"webhook_id": "1", "webhook_token": "tok"}


def test_unknown_path_and_method_do_not_match() -> None:
    spec = load_spec()
    assert spec.match("POST", "/api/v10/auth/logout") is None
    assert spec.match("PUT", "/api/v10/channels/1/typing") is None
    assert spec.path_exists("/api/v10/channels/1/typing")


def test_path_parameter_must_be_a_snowflake() -> None:
    spec = load_spec()
    match = spec.match("GET", "/api/v10/channels/None")
    assert match is not None
    (problem,) = spec.validate_params(match)
    assert "channel_id='None'" in problem


def test_union_errors_point_into_the_branch_that_was_meant() -> None:
    spec = load_spec()
    op = spec.operation("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
    assert spec.validate_body(op, "application/json", {"type": 5, "data": {}}) == []
    errors = spec.validate_body(op, "application/json", {"type": 4, "data": {"content": 5}})
    assert errors == ["$.data.content: 5 is not of type 'string', 'null'"]


def test_request_snowflakes_may_be_integers_but_responses_may_not() -> None:
    spec = load_spec()
    op = spec.operation("POST", "/channels/{channel_id}/messages")
    body = {"content": "hi", "message_reference": {"message_id": 12345}}
    assert spec.validate_body(op, "application/json", body) == []
    bad = {"content": "hi", "message_reference": {"message_id": "12x"}}
    assert spec.validate_body(op, "application/json", bad)
    assert spec.validate_component("UserResponse", {"id": 1, "username": "x"})


def test_query_booleans_accept_py_cord_spelling() -> None:
    spec = load_spec()
    op = spec.operation("POST", "/webhooks/{webhook_id}/{webhook_token}")
    assert spec.validate_query(op, [("wait", "1"), ("wait", "true")]) == []
    assert spec.validate_query(op, [("wait", "maybe")])
    assert spec.validate_query(op, [("nonsense", "1")])


def test_normalize_template_ignores_placeholder_names() -> None:
    assert normalize_template("/channels/{id}/messages") == normalize_template(
        "/channels/{channel_id}/messages/"
    )
