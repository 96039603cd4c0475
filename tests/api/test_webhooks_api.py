"""Webhook URLs through the public API: every spelling of a private target is a 422 naming webhook_url."""

from __future__ import annotations

import pytest

from tests.conftest import Api


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://0/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data",
        "http://localhost./",
        "http://metadata.google.internal/",
        "http://127.0.0.1:99999/",
        "http://hooks.example.com@127.0.0.1:3500/",
    ],
)
def test_spellings_of_private_targets_are_refused_at_save(api: Api, url: str) -> None:
    response = api.patch("/api/me", json={"webhook_url": url})
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["webhook_url"]
    assert api.get("/api/me").json()["webhook_url"] is None
