"""The JSON API: answers equal the library's, CSV downloads hold the same rows, bad parameters
are clear 4xx errors, repeated questions come from the cache, claims are checked."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from immtrack.api import answers
from immtrack.api.app import create_app
from immtrack.metrics.asylum import asylum
from immtrack.metrics.encounters import EncounterQuestion, encounters

pytestmark = pytest.mark.shared
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(web_lake: Path) -> TestClient:
    return TestClient(create_app(web_lake))


def test_the_api_answers_what_the_library_answers(client, web_lake):
    payload = client.get("/api/asylum", params={"nationality": "RU", "fiscal_year": 2023,
                                                "definition": "merits"}).json()
    assert [(r["numerator"], r["n"]) for r in payload["rows"]] == [(85, 100)]
    library = asylum(nationality="RU", fiscal_year=2023, definitions=("merits",),
                     home=web_lake)
    assert payload["rows"] == library.table.to_pylist()
    assert payload["provenance"]["releases"][0]["is_synthetic"] is True
    from datetime import date
    expected = encounters(EncounterQuestion(citizenship="RUSSIA", region="southwest",
                                            start=date(2021, 10, 1), end=date(2022, 1, 1)),
                          home=web_lake).total
    got = client.get("/api/encounters", params={"citizenship": "RUSSIA", "region": "southwest",
                                                "start": "2021-10", "end": "2022-01"}).json()
    assert got["total"] == expected == 680


def test_csv_downloads_hold_the_same_rows(client):
    params = {"nationality": "RU", "by": "fiscal_year", "definition": "merits"}
    rows = client.get("/api/asylum", params=params).json()["rows"]
    response = client.get("/api/asylum", params={**params, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [(int(r["fiscal_year"]), int(r["n"])) for r in table] == \
        [(r["fiscal_year"], r["n"]) for r in rows]


@pytest.mark.parametrize("url, needle", [
    ("/api/asylum?by=planet", "planet"),
    ("/api/asylum?custody=X", "custody"),
    ("/api/asylum?nationality=RU;DROP", "nationality"),
    ("/api/encounters?start=2022", "start"),
    ("/api/applications/forecast", "metric"),
    ("/api/detention/facilities?by=galaxy", "by"),
])
def test_bad_parameters_are_400_with_the_reason(client, url, needle):
    response = client.get(url)
    assert response.status_code == 400 and needle in response.json()["error"]


def test_repeated_questions_come_from_the_cache(client, web_lake, monkeypatch):
    client.get("/api/asylum", params={"nationality": "UE"})
    calls = []
    monkeypatch.setattr(answers, "asylum", lambda *a, **k: calls.append(1))
    again = client.get("/api/asylum", params={"nationality": "UE"})
    assert again.status_code == 200 and calls == []


def test_claims_are_checked_over_the_api(client):
    body = (ROOT / "examples/claims/cbp-fy2022.yaml").read_text()
    verdicts = {v["id"]: v["verdict"] for v in client.post(
        "/api/check", content=body, headers={"content-type": "text/plain"}).json()["verdicts"]}
    assert verdicts["southwest-fy2022-total"] == "supported"
    assert verdicts["ukrainians-sw-fy2022-border-patrol"] == "not_supported"
    bad = client.post("/api/check", content="claims: 3", headers={"content-type": "text/plain"})
    assert bad.status_code == 400


def test_the_openapi_document_lists_every_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/asylum", "/api/encounters", "/api/applications/{metric}",
            "/api/detention/national", "/api/check"} <= set(paths)


def test_the_nationality_page_says_why_detention_is_missing(client):
    # The web lake holds ICE's workbooks but no person-level records: the page says so.
    page = client.get("/nationality/RU").text
    assert "Length of ICE detention, Russia citizens" in page
    assert "no person-level detention records" in page
