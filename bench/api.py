"""Benchmark: the nationality page's API calls over loopback, at 1 and 20 concurrent clients,
and the time to the first chart on screen in headless Chromium.

The server runs as its own process (`immtrack serve`) over a large lake: the 5M-case
generated EOIR release of bench/metrics.py plus the real CBP and ICE files. Two kinds of load:
"repeated" asks the page's seven calls again and again (what a shared link gets: answers come
from the cache), "distinct" makes every request a question never asked before (a different
nationality and a different end date each time), so every answer is computed. Reports p50,
p95 and errors per run. Each client makes `--requests` requests, or with `--seconds` keeps
asking for that long (the issue's "20 clients x 30 s").

    .venv/bin/python bench/api.py --lake /tmp/bench/lake-5000000 --shared ../shared/data
    .venv/bin/python bench/api.py --lake ~/.local/share/immtrack/demo --seconds 30 \
        --clients 20 --loads distinct --no-chart          # the demo lake, issue 13 item 14
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

PAGE_CALLS = (
    "/api/encounters?citizenship={name}&region=southwest&start=2019-10&by=month",
    "/api/asylum?nationality={code}&since=2022-02-24",
    "/api/asylum?nationality={code}&by=fiscal_year&definition=merits"
    "&definition=eoir_completion&definition=protection",
    "/api/applications/filings?nationality={code}&by=filed_fy",
    "/api/applications/cohort?nationality={code}&since=2022-02-24",
    "/api/applications/backlog?nationality={code}",
    "/api/applications/time-to-decision?nationality={code}&by=custody",
)
NATIONALITIES = (("RU", "RUSSIA"), ("UE", "UKRAINE"), ("MX", "MEXICO"), ("CH", "CHINA"),
                 ("IN", "INDIA"), ("HO", "HONDURAS"), ("GT", "GUATEMALA"),
                 ("ES", "EL SALVADOR"), ("VE", "VENEZUELA"), ("CU", "CUBA"),
                 ("BR", "BRAZIL"), ("CO", "COLOMBIA"), ("EC", "ECUADOR"), ("HA", "HAITI"))


def _ensure_sources(lake: Path, shared: Path) -> None:
    from immtrack.demo import REAL_CBP_FILES
    from immtrack.ingest import ingest_cbp, ingest_ice

    ingest_cbp(lake, [str(shared / f) for f in REAL_CBP_FILES], progress=False)
    ingest_ice(lake, shared / "ice")


def _serve(lake: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    immtrack = str(Path(sys.executable).with_name("immtrack"))
    log = open(Path(tempfile.gettempdir()) / "immtrack-bench-api-server.log", "w")  # noqa: SIM115
    process = subprocess.Popen([immtrack, "--home", str(lake), "serve", "--port", str(port),
                                "--workers", str(workers)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/openapi.json", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by the server and its worker processes: on a
    machine shared with other work, CPU per request compares runs better than latency."""
    proc = Path("/proc")
    if not proc.exists():
        return None
    family, total = {pid}, 0.0
    stats = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    grew = True
    while grew:
        before = len(family)
        family |= {child for child, (parent, _) in stats.items() if parent in family}
        grew = len(family) > before
    total = sum(stats[member][1] for member in family if member in stats)
    return total / os.sysconf("SC_CLK_TCK")


def _unique(path: str, serial: int) -> str:
    """The same call with an end date no earlier request used."""
    day = date(2025, 6, 30) - timedelta(days=serial)
    if path.startswith("/api/encounters"):
        return f"{path}&end={day.isoformat()[:7]}&component=USBP" if serial % 2 else \
            f"{path}&end={day.isoformat()[:7]}"
    return f"{path}&until={day.isoformat()}"


def _load(url: str, clients: int, requests: int, distinct: bool,
          seconds: float | None = None, server_pid: int | None = None) -> dict:
    latencies: list[float] = []
    by_call: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    serials = itertools.count(_load.serial_base)
    _load.serial_base += clients * requests

    def client(number: int) -> None:
        stop = time.perf_counter() + seconds if seconds else None
        with httpx.Client(base_url=url, timeout=30) as session:
            for i in itertools.count() if stop else range(requests):
                if stop and time.perf_counter() > stop:
                    break
                code, name = NATIONALITIES[(number + i) % len(NATIONALITIES)] if distinct \
                    else NATIONALITIES[0]
                path = PAGE_CALLS[i % len(PAGE_CALLS)].format(code=code, name=name)
                if distinct:
                    path = _unique(path, next(serials))
                started = time.perf_counter()
                try:
                    status = session.get(path).status_code
                except httpx.TransportError as error:
                    status = f"{type(error).__name__}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    by_call.setdefault(path.split("?")[0], []).append(elapsed)
                    if not isinstance(status, int) or status >= 500 or (
                            status >= 400 and not distinct):
                        errors.append(f"{status} {path}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    cpu_before = _cpu_seconds(server_pid) if server_pid else None
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = _cpu_seconds(server_pid) - cpu_before if cpu_before is not None else None
    ordered = sorted(latencies)
    return {"clients": clients, "load": "distinct" if distinct else "repeated",
            "requests": len(ordered), "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
            "requests_per_s": round(len(ordered) / wall, 1),
            "server_cpu_ms_per_request": round(cpu / len(ordered) * 1000, 1)
            if cpu is not None else None, "errors": len(errors),
            "error_kinds": sorted({e.split()[0] for e in errors}),
            "p95_ms_by_call": {call: round(sorted(times)[int(len(times) * 0.95) - 1], 1)
                               for call, times in sorted(by_call.items()) if times}}


_load.serial_base = 0


def _first_chart(url: str) -> float | None:
    chromium = shutil.which("chromium")
    if chromium is None:
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(url + "/nationality/UE")  # warm the browser's cache of the assets
        started = time.perf_counter()
        page.goto(url + "/nationality/RU")
        page.wait_for_selector(".chart[data-rendered] svg", timeout=30000)
        elapsed = time.perf_counter() - started
        browser.close()
    return round(elapsed, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--shared", type=Path, help="ingest the real CBP and ICE files first")
    parser.add_argument("--requests", type=int, default=70, help="per client")
    parser.add_argument("--seconds", type=float, help="per run, instead of --requests")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--loads", nargs="+", choices=("repeated", "distinct"),
                        default=["repeated", "distinct"])
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--no-chart", action="store_true", help="skip the Chromium timing")
    args = parser.parse_args()
    if args.shared:
        _ensure_sources(args.lake, args.shared)
    process, url = _serve(args.lake, args.workers)
    print(json.dumps({"server_pid": process.pid, "url": url}), flush=True)
    try:
        cold_chart = None if args.no_chart else _first_chart(url)
        for load in args.loads:
            for clients in args.clients:
                print(json.dumps(_load(url, clients, args.requests, load == "distinct",
                                       args.seconds, process.pid)), flush=True)
        if not args.no_chart:
            print(json.dumps({"first_chart_s_cold_server": cold_chart,
                              "first_chart_s_warm": _first_chart(url)}), flush=True)
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
