"""The lo-static benchmark: build, rebuild, memory and search figures, with Hugo and Eleventy
side by side.

    bench/run [--sizes 1000,5000,20000] [--repeat 1] [--no-browser] [--peers hugo,eleventy|none]

For each corpus (the demo, or the demo plus N synthetic services from make_corpus.py) and each
of --repeat rounds (figures are medians over the rounds) it runs whole `lo-static build`
processes:

- cold: a new output folder and a new, empty --cache-dir;
- no-op: the same command again, nothing changed;
- one edit: a sentence appended to the body of one service (the middle one), then the same
  command again.

It reports each one's wall-clock seconds and the "site" stage from the build's JSON report
(check + render + write, without search indexing or leaflet printing), the search and leaflet
stages of the cold build, and the peak memory of one more cold build: the proportional set
size (PSS) of the build process and all its descendants, sampled every 25 ms (the timed builds
are not sampled: sampling slows them). Then the size of the search
index on disk and the bytes a browser fetches for a first search (Debian's Chromium through
Playwright; --no-browser skips it). With --peers hugo (the default when `hugo` is on PATH) it
also times Debian's Hugo on the same corpus with the minimal site in bench/peers/hugo; with
--peers eleventy (the default when bench/peers/eleventy has its node packages), Eleventy with
the minimal site in bench/peers/eleventy.

It prints Markdown tables and writes bench/results.json with a description of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Response

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.make_corpus import make  # noqa: E402

TODAY = "2026-11-23"
QUERY = "autism"
HUGO_SITE = ROOT / "bench" / "peers" / "hugo"
ELEVENTY_SITE = ROOT / "bench" / "peers" / "eleventy"
ELEVENTY = ELEVENTY_SITE / "node_modules" / ".bin" / "eleventy"
SAMPLE_SECONDS = 0.025
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- Peak memory: PSS of a process tree -------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct children of a process, from every one of its threads."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as file:
                found.extend(int(child) for child in file.read().split())
        except OSError:
            continue  # the thread or the process ended meanwhile
    return found


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (workers of a process pool, Pagefind, ...)."""
    tree, todo, seen = [], [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        tree.append(current)
        todo.extend(children(current))
    return tree


def pss_kb(pid: int) -> int:
    """A process's proportional set size in KiB (0 once it has ended): its private pages plus
    its share of pages it shares with others, so a pool's copy-on-write pages count once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as file:
            for line in file:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def command_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as file:
            return file.read().strip()
    except OSError:
        return ""


OTHER_PROGRAMS = ("pagefind",)
"""Programs a build runs that are not lo-static's own code (Pagefind's indexer): their memory
is reported apart, as the issue's memory targets compare lo-static with Hugo, which has none."""


class PeakPss:
    """Samples the summed PSS of a process tree from a thread until stopped; keeps the peak,
    and the peak without other programs (see OTHER_PROGRAMS)."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.peak_own_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            # Each process's name is read before its size: read after, a process that ended
            # in between (Pagefind, as it finishes holding a gigabyte) would have no name and
            # be counted as lo-static's own.
            sizes = [(command_name(pid), pss_kb(pid)) for pid in process_tree(self.pid)]
            total = sum(size for _, size in sizes)
            own = sum(size for name, size in sizes if name not in OTHER_PROGRAMS)
            self.peak_kb = max(self.peak_kb, total)
            self.peak_own_kb = max(self.peak_own_kb, own)
            self.samples += 1
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Run:
    seconds: float
    peak_mb: float
    peak_own_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(
    command: list[str], env: dict[str, str] | None = None, sample: bool = True
) -> Run:
    """Run a command to the end: its wall-clock seconds and, with `sample`, the peak PSS of its
    process tree (else 0).

    Sampling slows what it measures: reading a process's smaps_rollup walks its page tables
    under the lock its own page faults need, 40 times a second for each process. A cold build
    took 9% longer sampled at 5,000 services and 14% at 20,000 (where the processes are
    larger), so times come from builds that are not sampled (see `measure`)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = PeakPss(process.pid)
    if sample:
        with peak:
            stdout, stderr = process.communicate()
    else:
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    return Run(
        seconds,
        round(peak.peak_kb / 1024, 1),
        round(peak.peak_own_kb / 1024, 1),
        process.returncode,
        stdout,
        stderr,
    )


# --- lo-static builds ---------------------------------------------------------------------------

_CACHE_OPTION: bool | None = None


def supports_cache_dir() -> bool:
    """Whether this lo-static's build takes --cache-dir (older ones reject unknown options)."""
    global _CACHE_OPTION
    if _CACHE_OPTION is None:
        result = subprocess.run(
            [sys.executable, "-m", "lo_static", "build", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        _CACHE_OPTION = "--cache-dir" in result.stdout
    return _CACHE_OPTION


def build_command(content: Path, out: Path, cache: Path) -> list[str]:
    command = [sys.executable, "-m", "lo_static", "build", "--content", str(content)]
    command += ["--out", str(out), "--today", TODAY, "--format", "json"]
    if supports_cache_dir():
        command += ["--cache-dir", str(cache)]
    return command


def stage_seconds(report: dict[str, Any], name: str) -> float:
    """A stage's seconds from the report's own block (search, leaflets), 0 if it did not run."""
    block = report.get(name)
    if isinstance(block, dict) and isinstance(block.get("seconds"), int | float):
        return float(block["seconds"])
    return 0.0


def site_cpu(report: dict[str, Any]) -> float | None:
    """The CPU seconds of the site stage (all the build's processes), from the report's `cpu`
    block; None from an older lo-static that does not give it."""
    cpu = report.get("cpu")
    if isinstance(cpu, dict) and isinstance(cpu.get("site"), int | float):
        return float(cpu["site"])
    return None


def site_seconds(report: dict[str, Any], process_seconds: float) -> tuple[float, str]:
    """The seconds for check + render + write (no search indexing, no leaflet printing) and
    where they came from: the report's `stages.site`, or else the whole process minus the
    search and leaflet stages (which leaves Python's start-up in)."""
    stages = report.get("stages")
    if isinstance(stages, dict) and isinstance(stages.get("site"), int | float):
        return float(stages["site"]), "stages.site"
    rest = process_seconds - stage_seconds(report, "search") - stage_seconds(report, "leaflets")
    return max(0.0, rest), "process - search - leaflets"


@dataclass
class Build:
    seconds: float
    site: float
    source: str
    peak_mb: float
    peak_own_mb: float
    report: dict[str, Any]


def build(content: Path, out: Path, cache: Path, sample: bool = False) -> Build:
    """One whole `lo-static build` process, timed; with `sample`, its peak memory too."""
    run = run_measured(build_command(content, out, cache), sample=sample)
    if run.returncode != 0:
        raise SystemExit(f"build failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    report = json.loads(run.stdout)
    site, source = site_seconds(report, run.seconds)
    return Build(run.seconds, site, source, run.peak_mb, run.peak_own_mb, report)


def service_files(content: Path) -> list[Path]:
    """The corpus's services, in a fixed order: the synthetic ones if any, else all."""
    services = content / "services"
    return sorted(services.glob("service-*.md")) or sorted(services.glob("*.md"))


def edit_one_service(content: Path, edit: int) -> Path:
    """Append a sentence (a different one for each `edit`) to the body of the middle service,
    as an editor would: the same corpus and edit number always change the same file the same
    way. Returns the file changed."""
    files = service_files(content)
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    sentence = f"Benchmark edit {edit + 1}: this service now also meets on Saturday {edit + 1}."
    path.write_text(text.rstrip("\n") + f"\n\n{sentence}\n", encoding="utf-8")
    return path


# --- Search in a browser ------------------------------------------------------------------------


def first_query_bytes(site: Path) -> tuple[int, int]:
    """(bytes, requests) of the search files (Pagefind's and the spelling word list) that a
    browser fetches from opening the search page to seeing the first results. Service workers
    are blocked, so nothing is prefetched for offline use during the measurement."""
    from playwright.sync_api import sync_playwright

    from lo_static.serve import serve_folder

    fetched: list[int] = []
    trouble: list[str] = []

    def record(response: Response) -> None:
        if response.ok and ("/pagefind/" in response.url or response.url.endswith("words.json")):
            fetched.append(len(response.body()))
        elif not response.ok:
            trouble.append(f"{response.status} {response.url}")

    with serve_folder(site) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROME_PATH") or shutil.which("chromium"),
            args=ARGS,
        )
        page = browser.new_context(service_workers="block").new_page()
        page.on("response", record)
        page.on("requestfailed", lambda request: trouble.append(f"failed {request.url}"))
        page.on("console", lambda message: trouble.append(f"console {message.text}"))
        page.on("pageerror", lambda error: trouble.append(f"error {error}"))
        page.goto(f"{root}/search/index.html")
        page.wait_for_selector("#search:not([hidden])")
        if page.locator("#search-form").is_hidden():  # the page's fallback: search failed
            status = page.locator("#search-status").text_content()
            raise RuntimeError(f"search did not start on {site}: {status} {trouble}")
        page.get_by_label("Search for help, services or information").fill(QUERY)
        page.keyboard.press("Enter")
        page.wait_for_function(
            # A function, not an expression: the site's CSP forbids evaluating strings.
            "() => document.getElementById('search-status').textContent.includes('result')"
        )
        page.wait_for_load_state("networkidle")
        browser.close()
    return sum(fetched), len(fetched)


# --- Hugo ---------------------------------------------------------------------------------------


def hugo_version() -> str | None:
    hugo = shutil.which("hugo")
    if not hugo:
        return None
    result = subprocess.run([hugo, "version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or None


def hugo_build(content: Path, work: Path, sample: bool = True) -> tuple[Run, int]:
    """One cold Hugo build of the corpus with bench/peers/hugo: (run, HTML pages written),
    with its peak memory if `sample`. Its caches and generated resources go to `work`, so the
    peer folder stays clean."""
    out, cache, resources = work / "hugo-out", work / "hugo-cache", work / "hugo-resources"
    for folder in (out, cache, resources):
        shutil.rmtree(folder, ignore_errors=True)
    command = [str(shutil.which("hugo")), "--source", str(HUGO_SITE), "--contentDir"]
    command += [str(content), "--destination", str(out), "--cacheDir", str(cache)]
    command += ["--noBuildLock", "--quiet"]
    env = {**os.environ, "HUGO_RESOURCEDIR": str(resources)}
    return peer_run("hugo", command, env, out, sample)


def peer_run(
    name: str, command: list[str], env: dict[str, str], out: Path, sample: bool
) -> tuple[Run, int]:
    """Run a peer's build (sampled for memory if `sample`): the run and the HTML pages it wrote
    in `out`, which is then removed."""
    run = run_measured(command, env=env, sample=sample)
    if run.returncode != 0:
        raise SystemExit(f"{name} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    pages = sum(1 for _ in out.rglob("*.html"))
    shutil.rmtree(out, ignore_errors=True)
    return run, pages


# --- Eleventy -----------------------------------------------------------------------------------


def eleventy_version() -> str | None:
    """Eleventy's version (and Node's), when bench/peers/eleventy has its node packages."""
    package = ELEVENTY_SITE / "node_modules" / "@11ty" / "eleventy" / "package.json"
    node = shutil.which("node")
    if not package.is_file() or node is None:
        return None
    version = json.loads(package.read_text()).get("version", "?")
    result = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    return f"{version} (Node {result.stdout.strip() or '?'})"


def eleventy_build(content: Path, work: Path, sample: bool = True) -> tuple[Run, int]:
    """One cold Eleventy build of the corpus with bench/peers/eleventy: (run, HTML pages
    written), with its peak memory if `sample`. Eleventy keeps no cache between builds."""
    out = work / "eleventy-out"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(ELEVENTY), f"--config={ELEVENTY_SITE / 'eleventy.config.mjs'}"]
    command += [f"--input={content}", f"--output={out}", "--quiet"]
    env = {**os.environ, "BENCH_PEER_DIR": str(ELEVENTY_SITE), "BENCH_CORPUS": str(content)}
    return peer_run("eleventy", command, env, out, sample)


PEERS = {"hugo": ("Hugo", hugo_build), "eleventy": ("Eleventy", eleventy_build)}
"""Each generator bench/run can time on the same corpus: its name in tables, one cold build."""


# --- One corpus ---------------------------------------------------------------------------------


def median(values: list[float], digits: int = 2) -> float:
    return round(statistics.median(values), digits)


def stage_medians(reports: list[dict[str, Any]], block: str) -> dict[str, float]:
    """The median of each stage's figure in the reports' `block` ("stages": seconds, "cpu":
    CPU seconds), for the stages every report gives."""
    blocks = [found if isinstance(found := report.get(block), dict) else {} for report in reports]
    return {
        stage: median([float(b[stage]) for b in blocks], 3)
        for stage in blocks[0]
        if all(isinstance(b.get(stage), int | float) for b in blocks)
    }


def measure(
    name: str, content: Path, repeat: int, work: Path, browser: bool, peers: list[str]
) -> dict[str, Any]:
    """Every figure for one corpus (which it edits: pass a copy)."""
    out, cache = work / f"{name}-dist", work / f"{name}-cache"
    rounds: list[dict[str, Build]] = []
    edited: set[Path] = set()
    for attempt in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        cold = build(content, out, cache)
        noop = build(content, out, cache)
        edited.add(edit_one_service(content, attempt))
        one_edit = build(content, out, cache)
        rounds.append({"cold": cold, "noop": noop, "edit": one_edit})
        print(f"  {name} round {attempt + 1}: cold {cold.seconds:.2f} s", file=sys.stderr)
    # The peak memory of one more cold build, sampled (the timed ones are not: see
    # run_measured), in folders of its own.
    memory_out, memory_cache = work / f"{name}-memory-dist", work / f"{name}-memory-cache"
    memory = build(content, memory_out, memory_cache, sample=True)
    shutil.rmtree(memory_out, ignore_errors=True)
    shutil.rmtree(memory_cache, ignore_errors=True)
    files = sum(1 for _ in content.rglob("*.md"))
    services = len(list((content / "services").glob("*.md")))
    first = rounds[0]["cold"].report
    search, leaflets = first.get("search") or {}, first.get("leaflets") or {}
    pagefind = out / "pagefind"
    row: dict[str, Any] = {
        "corpus": name,
        "markdown_files": files,
        "services": services,
        "site_source": rounds[0]["cold"].source,
        "cache_dir": supports_cache_dir(),
        "edited": sorted(str(p.relative_to(content)) for p in edited),
    }
    for kind in ("cold", "noop", "edit"):
        row[f"{kind}_seconds"] = median([r[kind].seconds for r in rounds])
        row[f"{kind}_site_seconds"] = median([r[kind].site for r in rounds])
    cpu = [c for r in rounds if (c := site_cpu(r["cold"].report)) is not None]
    row["cold_site_cpu_seconds"] = median(cpu) if len(cpu) == len(rounds) else None
    row["cold_peak_mb"] = memory.peak_mb
    row["cold_peak_own_mb"] = memory.peak_own_mb
    row["memory_build_seconds"] = round(memory.seconds, 2)  # sampled: slower, not compared
    row["cold_stages"] = stage_medians([r["cold"].report for r in rounds], "stages")
    row["cold_cpu"] = stage_medians([r["cold"].report for r in rounds], "cpu")
    # Per 1,000 services (the demo's own pages included): the same at every size when the cost
    # grows linearly. Not for the demo alone, whose 28 services are not most of its pages.
    row["site_seconds_per_1000_services"] = (
        round(row["cold_site_seconds"] / services * 1000, 3) if name.isdigit() else None
    )
    row["index_seconds"] = median([stage_seconds(r["cold"].report, "search") for r in rounds])
    row["indexed_pages"] = search.get("pages")
    row["index_bytes"] = (
        sum(p.stat().st_size for p in pagefind.rglob("*") if p.is_file())
        if pagefind.is_dir()
        else None
    )
    row["leaflets"] = leaflets.get("count")
    row["leaflet_pages"] = leaflets.get("pages")
    row["print_seconds"] = median([stage_seconds(r["cold"].report, "leaflets") for r in rounds])
    row["seconds_per_leaflet"] = median(
        [
            stage_seconds(r["cold"].report, "leaflets")
            / max(1, int((r["cold"].report.get("leaflets") or {}).get("count") or 0))
            for r in rounds
        ],
        3,
    )
    row["first_query_bytes"] = row["first_query_requests"] = None
    if browser and pagefind.is_dir():
        row["first_query_bytes"], row["first_query_requests"] = first_query_bytes(out)
    for peer in peers:
        build_once = PEERS[peer][1]
        runs = []
        for attempt in range(repeat):
            runs.append(build_once(content, work, False))
            print(f"  {name} {peer} {attempt + 1}: {runs[-1][0].seconds:.2f} s", file=sys.stderr)
        seconds = median([r.seconds for r, _ in runs])
        sampled, _ = build_once(content, work, True)  # its memory, like lo-static's
        row[peer] = {
            "seconds": seconds,
            "peak_mb": sampled.peak_mb,
            "html_pages": runs[0][1],
        }
        row[peer]["ratio_site"] = round(row["cold_site_seconds"] / max(seconds, 0.001), 1)
        row[peer]["ratio_process"] = round(row["cold_seconds"] / max(seconds, 0.001), 1)
        row[peer]["ratio_memory"] = round(
            row["cold_peak_own_mb"] / max(row[peer]["peak_mb"], 0.1), 1
        )
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    return row


# --- Tables -------------------------------------------------------------------------------------


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join("–" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def label(name: str) -> str:
    return f"{int(name):,} services" if name.isdigit() else name


def kb(value: int | None) -> str | None:
    if value is None:
        return None
    return f"{value / 1024 / 1024:.1f} MB" if value >= 1024 * 1024 else f"{round(value / 1024)} KB"


def fetches(row: dict[str, Any]) -> str | None:
    if row["first_query_bytes"] is None:
        return None
    return f"{kb(row['first_query_bytes'])} in {row['first_query_requests']} requests"


def report(rows: list[dict[str, Any]]) -> str:
    sources = sorted({row["site_source"] for row in rows})
    build_rows = []
    previous: dict[str, Any] | None = None
    for row in rows:
        marginal = None
        if previous is not None and row["services"] > previous["services"]:
            marginal = round(
                (row["cold_site_seconds"] - previous["cold_site_seconds"])
                / (row["services"] - previous["services"])
                * 1000,
                3,
            )
        build_rows.append(
            [
                label(row["corpus"]),
                f"{row['markdown_files']:,}",
                row["cold_seconds"],
                row["cold_site_seconds"],
                row.get("cold_site_cpu_seconds"),
                row["site_seconds_per_1000_services"],
                marginal,
                row["noop_seconds"],
                row["noop_site_seconds"],
                row["edit_seconds"],
                row["edit_site_seconds"],
                row["cold_peak_own_mb"],
                row["cold_peak_mb"],
            ]
        )
        previous = row
    parts = [
        "### Builds\n",
        table(
            [
                "corpus",
                "Markdown files",
                "cold (s)",
                "cold site (s)",
                "cold site CPU (s)",
                "site s per 1,000 services",
                "marginal s per 1,000",
                "no-op (s)",
                "no-op site (s)",
                "one edit (s)",
                "one edit site (s)",
                "peak PSS, lo-static (MB)",
                "peak PSS, with Pagefind (MB)",
            ],
            build_rows,
        ),
        f'\n"site" is {", ".join(sources)}'
        + ("" if all(row["cache_dir"] for row in rows) else "; built without --cache-dir")
        + ". (s) is the whole process. Site CPU is the CPU time of the site stage in all the"
        " build's processes: however well the work were spread, the site stage cannot take"
        " less than it divided by the cores. Peak PSS is summed over the build's processes (its"
        " workers included), without and with Pagefind's indexer, which it runs last.\n",
        "### Search and leaflets (cold build)\n",
        table(
            [
                "corpus",
                "index stage (s)",
                "index on disk",
                "first search fetches",
                "leaflets",
                "printing (s)",
                "per leaflet (s)",
            ],
            [
                [
                    label(row["corpus"]),
                    row["index_seconds"],
                    kb(row["index_bytes"]),
                    fetches(row),
                    row["leaflets"],
                    row["print_seconds"],
                    row["seconds_per_leaflet"],
                ]
                for row in rows
            ],
        ),
    ]
    for peer, (title, _) in PEERS.items():
        peer_rows = [row for row in rows if peer in row]
        if not peer_rows:
            continue
        parts += [
            f"\n### {title} on the same corpus (cold)\n",
            table(
                [
                    "corpus",
                    f"{title} pages",
                    f"{title} (s)",
                    f"{title} peak PSS (MB)",
                    f"our site / {title}",
                    f"our process / {title}",
                    f"our MB (without Pagefind) / {title} MB",
                ],
                [
                    [
                        label(row["corpus"]),
                        row[peer]["html_pages"],
                        row[peer]["seconds"],
                        row[peer]["peak_mb"],
                        f"{row[peer]['ratio_site']}×",
                        f"{row[peer]['ratio_process']}×",
                        f"{row[peer]['ratio_memory']}×",
                    ]
                    for row in peer_rows
                ],
            ),
        ]
    targets = target_lines(rows)
    if targets:
        parts += ["\n### Targets (issue 7)\n", *targets]
    return "\n".join(parts)


def target_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, for the sizes measured: met or not."""
    by_size = {row["corpus"]: row for row in rows}
    lines = []

    def check(ok: bool, text: str) -> None:
        lines.append(f"- {'met' if ok else 'NOT met'}: {text}")

    if "5000" in by_size:
        row = by_size["5000"]
        cpu = row.get("cold_site_cpu_seconds")
        cores = os.cpu_count() or 1
        check(
            row["cold_site_seconds"] <= 5,
            f"cold site ≤ 5 s at 5,000: {row['cold_site_seconds']}"
            + (
                f" (its work: {cpu} s of CPU, so at least {cpu / cores:.2f} s on {cores} cores)"
                if cpu is not None
                else ""
            ),
        )
        # The 5 s stands for "faster than Eleventy, within 2× of Hugo" on its machine;
        # measured side by side, those hold or not on this one.
        if "eleventy" in row:
            check(
                row["cold_site_seconds"] < row["eleventy"]["seconds"],
                f"cold site faster than Eleventy at 5,000: {row['cold_site_seconds']} against "
                f"{row['eleventy']['seconds']}",
            )
        if "hugo" in row:
            check(
                row["cold_site_seconds"] <= 2 * row["hugo"]["seconds"],
                f"cold site within 2× of Hugo at 5,000: {row['cold_site_seconds']} against "
                f"{row['hugo']['seconds']} ({row['hugo']['ratio_site']}×)",
            )
        check(
            row["edit_site_seconds"] < 0.5,
            f"one-edit site < 0.5 s at 5,000: {row['edit_site_seconds']}"
            f" (whole process {row['edit_seconds']})",
        )
        check(
            row["cold_peak_own_mb"] < 400,
            f"peak < 400 MB at 5,000: {row['cold_peak_own_mb']} "
            f"(with Pagefind {row['cold_peak_mb']})",
        )
    if "20000" in by_size:
        row = by_size["20000"]
        check(
            row["cold_peak_own_mb"] < 600,
            f"peak < 600 MB at 20,000: {row['cold_peak_own_mb']} "
            f"(with Pagefind {row['cold_peak_mb']})",
        )
    numbered = [row for row in rows if row["corpus"].isdigit()]
    if len(numbered) >= 2:
        per = [row["site_seconds_per_1000_services"] for row in numbered]
        # Linear: the cost per 1,000 services at the largest size is no more than 1.25 times
        # the smallest's (a fixed start-up cost makes small corpora dearer per service).
        check(
            per[-1] <= per[0] * 1.25,
            "linear: site s per 1,000 services " + " → ".join(str(p) for p in per),
        )
    return lines


# --- Main ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    memory = None
    try:
        meminfo = Path("/proc/meminfo").read_text()
        found = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
        memory = round(int(found.group(1)) / 1024 / 1024, 1) if found else None
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "hugo": hugo_version(),
        "eleventy": eleventy_version(),
        "commit": commit or None,
    }


def filesystem(path: Path) -> str | None:
    """The type of the file system `path` is on (ext4, tmpfs, ...), from /proc/mounts: creating
    the site's thousands of files costs far more on some disks than in memory."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target, best, kind = str(path.resolve()), "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def peers_option(value: str) -> list[str]:
    """The generators to time: named (comma-separated), none, or by default those installed."""
    installed = {"hugo": shutil.which("hugo") is not None, "eleventy": ELEVENTY.is_file()}
    if value == "auto":
        return [peer for peer in PEERS if installed[peer]]
    peers = [] if value == "none" else [p for p in value.split(",") if p]
    unknown = set(peers) - set(PEERS)
    if unknown:
        known = ", ".join([*PEERS, "none"])
        raise SystemExit(f"unknown peer: {', '.join(sorted(unknown))} (known: {known})")
    if "hugo" in peers and not installed["hugo"]:
        raise SystemExit("--peers hugo: no hugo on PATH (bench/run installs Debian's)")
    if "eleventy" in peers and not installed["eleventy"]:
        raise SystemExit(
            "--peers eleventy: bench/peers/eleventy has no node packages (bench/run installs them)"
        )
    return peers


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,5000,20000",
        help="comma-separated corpora: 'demo' or a number of services (default 1000,5000,20000)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds per corpus (median)")
    parser.add_argument(
        "--no-browser", action="store_true", help="skip the first-search browser measurement"
    )
    parser.add_argument(
        "--peers",
        default="auto",
        help="other generators to time on the same corpus: hugo, eleventy (comma-separated) "
        "or none (default: those installed)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=ROOT / "bench" / "results.json",
        help="where to write the results (default bench/results.json)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="the folder to make the corpora, sites and caches in (default: the system's "
        "temporary folder); /dev/shm keeps them in memory, leaving the disk out of the figures",
    )
    options = parser.parse_args()
    peers = peers_option(options.peers)
    sizes = [s.strip() for s in options.sizes.split(",") if s.strip()]
    for size in sizes:
        if size != "demo" and not size.isdigit():
            parser.error(f"--sizes: {size!r} is neither 'demo' nor a number")
    rows = []
    if options.work_dir is not None and not options.work_dir.is_dir():
        parser.error(f"--work-dir: {options.work_dir} is not a folder")
    with tempfile.TemporaryDirectory(prefix="lo-bench-", dir=options.work_dir) as tmp:
        work = Path(tmp)
        place = {"folder": str(work.parent), "filesystem": filesystem(work)}
        kind = place["filesystem"] or "file system unknown"
        print(f"working in {work} ({kind})", file=sys.stderr)
        for size in sizes:
            content = work / f"corpus-{size}"
            if size == "demo":
                shutil.copytree(ROOT / "content", content)  # a copy: one service gets edited
            else:
                make(int(size), content)
            print(f"measuring {size}", file=sys.stderr)
            rows.append(measure(size, content, options.repeat, work, not options.no_browser, peers))
            shutil.rmtree(content, ignore_errors=True)
    results = {
        "machine": machine(),
        "work": place,
        "today": TODAY,
        "query": QUERY,
        "repeat": options.repeat,
        "peers": peers,
        "results": rows,
    }
    options.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(report(rows))


if __name__ == "__main__":
    main()
