"""The JSON API: answers equal the library's, CSV downloads hold the same rows, bad parameters
are clear 4xx errors, repeated questions come from the cache, claims are checked; hostile
claim files, bodies and Host headers are refused quickly; every response carries the security
headers; `serve --workers 2` serves."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from immtrack.api import answers
from immtrack.api.app import create_app
from immtrack.api.claim_checks import MAX_CLAIMS, check_claim_text
from immtrack.metrics.asylum import asylum
from immtrack.metrics.encounters import EncounterQuestion, encounters

pytestmark = pytest.mark.shared
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(web_lake: Path) -> TestClient:
    return TestClient(create_app(web_lake), base_url="http://127.0.0.1:8000")


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
    # Well-formed YAML that is not a claim file cannot be processed: 422, with the field.
    bad = client.post("/api/check", content="claims: 3", headers={"content-type": "text/plain"})
    assert bad.status_code == 422 and "claims" in bad.json()["error"]


def test_the_openapi_document_lists_every_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/asylum", "/api/encounters", "/api/applications/{metric}",
            "/api/detention/national", "/api/check"} <= set(paths)


def test_the_nationality_page_says_why_detention_is_missing(client):
    # The web lake holds ICE's workbooks but no person-level records: the page says so.
    page = client.get("/nationality/RU").text
    assert "Length of ICE detention, Russia citizens" in page
    assert "no person-level detention records" in page


# Hostile and malformed claim files (issue 13, items 6 and 7) -------------------------------

YAML = {"content-type": "application/yaml"}


def _billion_laughs() -> str:
    """557 bytes that expand to 9**9 strings if a loader follows every alias."""
    text, previous = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n', "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def _claims(count: int) -> str:
    claim = ("  - id: c{n}\n    statement: s\n    quantity: {{metric: encounters, filters: "
             "{{region: southwest}}, period: {{fiscal_year: 2022}}}}\n    claimed: {{value: 1}}\n")
    return "claims:\n" + "".join(claim.format(n=n) for n in range(count))


def test_json_claim_files_are_accepted_as_documented(client):
    text = (ROOT / "examples/claims/cbp-fy2022.yaml").read_text()
    as_yaml = client.post("/api/check", content=text, headers=YAML).json()["verdicts"]
    as_json = client.post("/api/check", json=yaml.safe_load(json.dumps(
        yaml.safe_load(text), default=str)))
    assert as_json.status_code == 200
    assert [(v["id"], v["verdict"]) for v in as_json.json()["verdicts"]] == \
        [(v["id"], v["verdict"]) for v in as_yaml]
    assert len(as_yaml) == 6


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text, needle", [
    (_billion_laughs(), "20,000 values once aliases are expanded"),
    ("claims: &a [*a]", "refers to a value that contains it"),
    ("[" * 1000 + "]" * 1000, "nested more than 20 levels"),
    (_claims(MAX_CLAIMS + 1), f"at most {MAX_CLAIMS} at once"),
    (_claims(1).replace("fiscal_year: 2022", "fiscal_year: 99999"), "fiscal_year"),
    (_claims(1).replace("value: 1", "value: .nan"), "claimed.value"),
    ("claims: [{id: x, statement: 'a'\n", "not YAML"),
])
def test_hostile_claim_files_are_refused_at_once(client, text, needle):
    response = client.post("/api/check", content=text, headers=YAML)
    assert response.status_code == 422, response.text
    assert needle in response.json()["error"]
    assert len(response.text) < 1000  # never the input echoed back whole


def test_json_claim_files_are_held_to_their_schema(client):
    claim = {"id": "a", "statement": "s", "claimed": {"value": 1},
             "quantity": {"metric": "encounters", "period": {"start": 0, "end": "2022-01-31"}}}
    response = client.post("/api/check", json={"claims": [claim]})
    assert response.status_code == 422 and "period.start" in response.json()["error"]
    claim["quantity"]["period"]["start"] = "2021-10-01"
    claim["claimed"]["value"] = "1"  # a string is not a number in JSON
    response = client.post("/api/check", json={"claims": [claim]})
    assert response.status_code == 422 and "claimed.value" in response.json()["error"]


@pytest.mark.timeout(60)
def test_json_nested_deep_is_refused(client):
    response = client.post("/api/check", content="[" * 100_000 + "]" * 100_000,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422 and "nested" in response.json()["error"]


def test_a_body_too_large_is_413_before_it_is_read(client):
    big = "#" * (300 * 1024)
    declared = client.post("/api/check", content=big, headers=YAML)
    assert declared.status_code == 413 and "256 KB" in declared.json()["error"]
    # Sent in chunks without a length, the body is cut off once it passes the limit.
    streamed = client.post("/api/check", content=(big[i:i + 8192].encode()
                                                  for i in range(0, len(big), 8192)),
                           headers=YAML)
    assert streamed.status_code == 413
    form = client.post("/check", data={"claims": big})
    assert form.status_code == 413


def test_a_body_neither_json_nor_yaml_is_415(client):
    response = client.post("/api/check", content=b"<claims/>",
                           headers={"content-type": "application/xml"})
    assert response.status_code == 415 and "application/json" in response.json()["error"]


def test_claims_past_the_time_budget_are_answered_not_checked(web_lake):
    verdicts = check_claim_text(_claims(3), web_lake, budget=-1)
    assert [v["verdict"] for v in verdicts] == ["cannot_check"] * 3
    assert all("not checked: this request used" in v["reason"] for v in verdicts)
    checked = check_claim_text(_claims(1), web_lake)
    assert checked[0]["verdict"] != "cannot_check"


@pytest.mark.parametrize("url, needle", [
    ("/api/encounters?start=2022-13", "start"),
    ("/api/encounters?end=0000-00", "end"),
    ("/api/asylum?by=" + "x" * 5000, "unknown breakdown"),
    # A number is not a date (pydantic would read it as seconds since 1970).
    ("/api/asylum?until=0", "YYYY-MM-DD"),
    ("/api/applications/filings?since=20220101", "YYYY-MM-DD"),
    ("/api/new-cases?until=0", "YYYY-MM-DD"),
])
def test_invalid_inputs_are_4xx_with_a_short_reason(client, url, needle):
    response = client.get(url)
    assert response.status_code == 400 and needle in response.json()["error"]
    assert len(response.text) < 1000


def test_the_openapi_document_says_what_the_api_answers(client):
    paths = client.get("/openapi.json").json()["paths"]
    asylum = paths["/api/asylum"]["get"]["responses"]
    assert {"200", "400", "503"} <= set(asylum) and "422" not in asylum
    assert "text/csv" in asylum["200"]["content"]
    check = paths["/api/check"]["post"]
    assert {"200", "413", "415", "422"} <= set(check["responses"])
    assert check["requestBody"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/ClaimFile"}
    assert "application/yaml" in check["requestBody"]["content"]


# Security headers and the Host check (item 11) ---------------------------------------------

@pytest.mark.parametrize("url", ["/", "/nationality/RU", "/api/releases", "/static/app.js",
                                 "/nationality/ZZ", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script(client):
    import html.parser

    class Scripts(html.parser.HTMLParser):
        found: list = []

        def handle_starttag(self, tag, attrs):
            if tag == "script":
                self.found.append(dict(attrs))

    parser = Scripts()
    parser.found = []
    parser.feed(client.get("/nationality/RU").text)
    # Every script is a static file or JSON data (a chart spec), which browsers never run.
    assert parser.found and all(s.get("src", "").startswith("/static/")
                                or s.get("type") == "application/json" for s in parser.found)


def test_the_docs_page_allows_only_its_own_inline_script(client):
    import base64
    import hashlib

    response = client.get("/docs")
    inline = response.text.split("<script>")[1].split("</script>")[0]
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in policy and "unsafe-inline" not in policy


@pytest.mark.parametrize("host, status", [
    ("127.0.0.1:8000", 200), ("localhost:8000", 200), ("[::1]:8000", 200),
    ("localhost", 200), ("attacker.example:8000", 400), ("127.0.0.1.nip.io:8000", 400),
    ("", 400),
])
def test_a_loopback_server_answers_only_loopback_host_names(client, host, status):
    response = client.get("/api/releases", headers={"host": host})
    assert response.status_code == status
    if status == 400:
        assert "Host header" in response.json()["error"]


def test_a_server_bound_to_every_address_takes_any_host(web_lake):
    public = TestClient(create_app(web_lake, bind_host="0.0.0.0"),
                        base_url="http://tracker.example.org")
    assert public.get("/api/releases").status_code == 200


# `immtrack serve --workers 2` (item 13) -----------------------------------------------------

@pytest.mark.timeout(120)
def test_serve_with_two_workers_answers(web_lake):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    immtrack = str(Path(sys.executable).with_name("immtrack"))
    server = subprocess.Popen([immtrack, "--home", str(web_lake), "serve", "--port", str(port),
                               "--workers", "2"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        url, answered = f"http://127.0.0.1:{port}", None
        for _ in range(600):
            if server.poll() is not None:
                break
            try:
                answered = httpx.get(url + "/api/releases", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert server.poll() is None, server.communicate()[0]
        assert answered is not None and answered.status_code == 200
        assert {r["source"] for r in answered.json()["rows"]} >= {"cbp", "eoir"}
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


@pytest.mark.parametrize("url", ["/nationality/" + "x" * 5000, "/courts?sort=" + "y" * 5000,
                                 "/judges/" + "<script>" * 500])
def test_pages_never_echo_long_input(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "x" * 100 not in response.text and "y" * 100 not in response.text
    assert "<script>" * 2 not in response.text
