"""The lo-static benchmark: build and search figures for the demo and synthetic Local Offers.

    bench/run [--sizes demo,5000] [--repeat 3]

For each corpus it measures, over --repeat runs (median): the whole `lo-static build` process,
the Pagefind indexing stage, the size of the search index, printing the leaflets (in parallel,
and seconds per leaflet), and the bytes a browser fetches for a first search (page already
loaded; Debian's Chromium through Playwright). It prints a table and writes bench/results.json.
Timed on whatever machine runs it: quote the machine with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Response, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.make_corpus import make  # noqa: E402
from lo_static.serve import serve_folder  # noqa: E402

TODAY = "2026-11-23"
QUERY = "autism"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def build(content: Path, out: Path) -> tuple[float, dict[str, object]]:
    """One whole `lo-static build` process: (seconds, its JSON report)."""
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lo_static",
            "build",
            "--content",
            str(content),
            "--out",
            str(out),
            "--today",
            TODAY,
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds, json.loads(result.stdout)


def first_query_bytes(site: Path) -> tuple[int, int]:
    """(bytes, requests) of the search files (Pagefind's and the spelling word list) that a
    browser fetches from opening the search page to seeing the first results. Service workers
    are blocked, so nothing is prefetched for offline use during the measurement."""
    fetched: list[int] = []

    def record(response: Response) -> None:
        if response.ok and ("/pagefind/" in response.url or response.url.endswith("words.json")):
            fetched.append(len(response.body()))

    with serve_folder(site) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROME_PATH") or shutil.which("chromium"),
            args=ARGS,
        )
        page = browser.new_context(service_workers="block").new_page()
        page.on("response", record)
        page.goto(f"{root}/search/index.html")
        page.wait_for_selector("#search:not([hidden])")
        page.get_by_label("Search for help, services or information").fill(QUERY)
        page.keyboard.press("Enter")
        page.wait_for_function(
            # A function, not an expression: the site's CSP forbids evaluating strings.
            "() => document.getElementById('search-status').textContent.includes('result')"
        )
        page.wait_for_load_state("networkidle")
        browser.close()
    return sum(fetched), len(fetched)


def measure(name: str, content: Path, repeat: int, work: Path) -> dict[str, object]:
    pages = sum(1 for _ in content.rglob("*.md"))
    runs = []
    for attempt in range(repeat):
        out = work / f"{name}-dist-{attempt}"
        seconds, report = build(content, out)
        runs.append((seconds, report["search"], report["leaflets"]))
    out = work / f"{name}-dist-0"
    index_bytes = sum(p.stat().st_size for p in (out / "pagefind").rglob("*") if p.is_file())
    query_bytes, requests = first_query_bytes(out)
    return {
        "corpus": name,
        "markdown_files": pages,
        "build_seconds": round(statistics.median(r[0] for r in runs), 2),
        "index_seconds": round(statistics.median(r[1]["seconds"] for r in runs), 2),
        "indexed_pages": runs[0][1]["pages"],
        "index_bytes": index_bytes,
        "first_query_bytes": query_bytes,
        "first_query_requests": requests,
        "leaflets": runs[0][2]["count"],
        "leaflet_pages": runs[0][2]["pages"],
        "print_seconds": round(statistics.median(r[2]["seconds"] for r in runs), 2),
        "seconds_per_leaflet": round(
            statistics.median(r[2]["seconds"] / max(1, r[2]["count"]) for r in runs), 3
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="demo,5000",
        help="comma-separated corpora: 'demo' or a number of services",
    )
    parser.add_argument("--repeat", type=int, default=3, help="builds per corpus (median)")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="lo-bench-") as tmp:
        work = Path(tmp)
        for size in options.sizes.split(","):
            if size == "demo":
                content = ROOT / "content"
            else:
                content = work / f"corpus-{size}"
                make(int(size), content)
            rows.append(measure(size, content, options.repeat, work))
            print(f"measured {size}", file=sys.stderr)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    (ROOT / "bench" / "results.json").write_text(
        json.dumps({"machine": machine, "today": TODAY, "query": QUERY, "results": rows}, indent=2)
        + "\n"
    )
    header = (
        "corpus",
        "files",
        "build s",
        "index s",
        "index KB",
        "1st query KB",
        "requests",
        "leaflets",
        "print s",
        "s/leaflet",
    )
    print(" | ".join(header))
    for row in rows:
        print(
            " | ".join(
                str(v)
                for v in (
                    row["corpus"],
                    row["markdown_files"],
                    row["build_seconds"],
                    row["index_seconds"],
                    round(int(str(row["index_bytes"])) / 1024),
                    round(int(str(row["first_query_bytes"])) / 1024),
                    row["first_query_requests"],
                    row["leaflets"],
                    row["print_seconds"],
                    row["seconds_per_leaflet"],
                )
            )
        )


if __name__ == "__main__":
    main()
