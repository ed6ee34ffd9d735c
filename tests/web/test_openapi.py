"""The OpenAPI document: served at ``/schema`` (a page) and ``/schema/openapi.json``, it
lists the JSON API and describes its error answers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
async def schema(podium_client: Any) -> dict[str, Any]:
    """The app's OpenAPI document."""
    response = await podium_client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/")
    return response.json()


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


async def test_schema_page_is_served(podium_client: Any) -> None:
    """``/schema`` is a human-readable page."""
    response = await podium_client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_schema_lists_the_json_api(schema: dict[str, Any]) -> None:
    """The document is OpenAPI 3.1, titled, and lists the v1 API; pages stay out of it."""
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["title"] == "Podium API"
    paths = set(schema["paths"])
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/me" in paths
    assert len([p for p in paths if p.startswith("/api/v1/")]) >= 2
    assert "/login" not in paths and "/" not in paths and "/-/events" not in paths


async def test_api_operations_describe_json_errors(schema: dict[str, Any]) -> None:
    """Every /api/ operation documents 400 with the shared ``ErrorBody``; guarded ones 401
    and 403; ones with path parameters 404."""
    body = schema["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "detail"}
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    checked = 0
    for path, method, operation in _operations(schema):
        if not path.startswith("/api/"):
            continue
        responses = operation["responses"]
        assert responses["400"]["content"]["application/json"]["schema"] == ref, (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        checked += 1
    assert checked >= 2
    me = schema["paths"]["/api/v1/me"]["get"]["responses"]
    assert me["401"]["content"]["application/json"]["schema"] == ref
    assert "Bearer" in me["401"]["description"]
    assert "403" in me


async def test_documented_401_is_what_the_api_answers(podium_client: Any, schema: dict[str, Any]) -> None:
    """The documented error shape is the real one."""
    response = await podium_client.get("/api/v1/me")
    assert response.status_code == 401
    required = schema["components"]["schemas"]["ErrorBody"]["required"]
    assert set(required) <= set(response.json())
