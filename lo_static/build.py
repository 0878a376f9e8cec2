"""The pipeline, in order: load → validate → render → write. Reads like a table of contents.

Everything is checked before anything is written; content errors raise `ContentErrors` with the
full report and leave the output folder exactly as it was.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import resources
from .a11y import run_pa11y
from .analysis import POOL_MINIMUM, LinkTargets, Work, analyse_pages
from .anonymity import check_feedback_anonymity
from .api import FOLDER as API_FOLDER
from .api import PAGES as API_PAGES
from .cache import BuildCache, hash_files, key_of, reusable
from .config import SiteConfig, load_config
from .content import Page, check_copied_file_types, check_data_files, discover
from .diagnostics import Diagnostic, Report, Severity
from .errors import ConfigError, ContentErrors
from .glossary import Glossary, load_glossary
from .leaflet_html import LeafletLayout
from .leaflets import Leaflet, check_fit, check_leaflets, require_leaflet_settings
from .markdown import Markdown, check_links, forget_links, make_markdown, parse_page
from .offline import MANIFEST as OFFLINE_MANIFEST
from .offline import SERVICE_WORKER, ZIP, finish_offline
from .oruk_export import FOLDER as OPEN_REFERRAL_FOLDER
from .oruk_export import SERVICES as OPEN_REFERRAL_SERVICES
from .oruk_export import (
    ExportedService,
    LastList,
    check_open_referral,
    export_services,
    in_site_order,
    keep_layout,
    list_key,
    service_files,
)
from .packed import spooling
from .parallel import default_workers, fork_map, paused_collection
from .pdf import PrintedPdf, print_all, stop_printers
from .plain_language import (
    check_easy_read_versions,
    readability,
)
from .render import MANIFEST, VOCABULARY, Renderer
from .reviews import check_reviews
from .rules import problem
from .search import BUNDLE as SEARCH_BUNDLE
from .search import SearchIndex, forget_index, index_site, remember_index, reused_index
from .site import NEWS_FEED_URL, SITEMAP_URL, SiteModel, reserved_urls
from .statutory import Coverage, check_coverage, compute_coverage, load_checklist
from .theme import check_theme
from .validate import validate_pages
from .write import SiteUpdate, write_site

ProgressFactory = Callable[[int], contextlib.AbstractContextManager[Callable[[int], None]]]


@contextlib.contextmanager
def no_progress(total: int) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


@dataclass
class BuildOptions:
    content_dir: Path
    out_dir: Path
    today: date
    strict: bool = False
    a11y: bool = False
    checklist: Path = resources.STATUTORY_FILE
    templates: Path = resources.TEMPLATES_DIR
    workers: int | None = None
    """Processes for the per-page work; None: one per core on a large site."""
    cache: BuildCache | None = None
    """What earlier builds learnt (see cache.py); None: do all the work."""
    builds_again: bool = False
    """This process will build again (a preview): keep what later builds can reuse, such as
    the leaflet printers' fork server, instead of freeing its memory for this build."""
    search: bool = True
    """False: leave the output's search index as it was, out of date with the pages (a preview
    shows the pages first and indexes them afterwards with `index_search`)."""

    @property
    def display_root(self) -> str:
        """The content folder as the editor named it, for messages."""
        return self.content_dir.as_posix().rstrip("/") or "."


@dataclass
class Checked:
    """The outcome of loading and validating a content folder."""

    config: SiteConfig
    pages: list[Page]
    assets: list[str]
    coverage: Coverage
    markdown: Markdown
    glossary: Glossary
    report: Report = field(default_factory=Report)
    open_referral: list[ExportedService] | None = None
    """Each published service's Open Referral record (made when the front matter is valid)."""
    search: SearchIndex | None = None
    printed: dict[str, PrintedPdf] = field(default_factory=dict)
    """Leaflet PDFs made by the build, by URL."""
    print_seconds: float = 0.0
    """How long laying out and printing the leaflets took (for the benchmark)."""
    reused: int = 0
    """Pages and listings taken unchanged from the previous build (the build cache)."""
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each stage of the build (for the benchmark and the JSON report)."""
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds used in each stage (`cpu_seconds`): on two cores a stage can use up to
    twice its `stages` time. Tells the benchmark how much work a stage is, apart from how well
    it is spread over the cores."""

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the time and CPU time spent in the block to `stages[stage]` and `cpu[stage]`."""
        since = clock()
        try:
            yield
        finally:
            self.add_time(stage, since)

    def add_time(self, stage: str, since: Clock) -> None:
        """Add the time and CPU time from `since` (a `clock()`) until now to `stage`."""
        seconds, used = clock()
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds - since[0]
        self.cpu[stage] = self.cpu.get(stage, 0.0) + used - since[1]


Clock = tuple[float, float]
"""A moment of a build: `time.perf_counter()` and `cpu_seconds()`."""


def clock() -> Clock:
    """Now, by the wall clock and by the CPU time used (see `Checked.add_time`)."""
    return time.perf_counter(), cpu_seconds()


def cpu_seconds() -> float:
    """CPU seconds (user and system) used so far by this process and by every child process it
    has waited for: the forked workers (waited for as each pool ends), Pagefind's indexer, and
    the leaflet printers once their fork server is stopped. A child still running has not
    been counted yet (a preview's printers, which it keeps)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def check(options: BuildOptions) -> Checked:
    """Load and validate everything; never writes. Raises ConfigError for bad settings.

    What the check packs for later stages (each page's text and HTML, the Open Referral
    records, links and headings) waits in a temporary file, not in memory (see packed.Spool)."""
    with spooling():
        return _check(options)


def _check(options: BuildOptions) -> Checked:
    report = Report()
    config, config_warnings = load_config(options.content_dir, options.display_root)
    report.extend(config_warnings)
    report.extend(check_theme(config, _site_yaml_display(options), config.key_lines))
    requirements = load_checklist(options.checklist)
    requirement_ids = {r.id for r in requirements}
    tree = discover(options.content_dir, options.display_root, options.cache)
    report.extend(tree.diagnostics)
    report.extend(check_data_files(options.content_dir, options.display_root))
    glossary, glossary_problems = load_glossary(options.content_dir, options.display_root)
    report.extend(glossary_problems)
    md = make_markdown(glossary)
    report.extend(validate_pages(tree.pages, requirement_ids, options.cache))
    for page in tree.pages:
        if page.readable:
            report.extend(check_reviews(page, config.review, options.today))
    targets = LinkTargets.of(tree.pages, config.base_url)
    work = Work(tree.pages, md, glossary, config, options.today, targets)
    report.extend(analyse_pages(work, options.workers, options.cache))
    report.extend(check_easy_read_versions(tree.pages, requirements))
    report.extend(check_feedback_anonymity(tree.pages, config, glossary, options.cache))
    report.extend(check_urls(tree.pages))
    report.extend(check_copied_files(tree.assets, tree.pages, options.display_root))
    report.extend(check_copied_file_types(options.content_dir, tree.assets, options.display_root))
    report.extend(check_leaflets(tree.pages))
    require_leaflet_settings(
        any(p.kind == "leaflet" and p.published for p in tree.pages if p.readable),
        config.base_url,
        config.information_advice_support.phone,
        _site_yaml_display(options),
        config.key_lines,
    )
    if not any(page.rel == "index.md" and page.published for page in tree.pages):
        report.add(
            problem(
                "missing-home",
                f"{options.display_root}/index.md",
                0,
                "every Local Offer needs a home page: add index.md with a title, summary, "
                "review dates and owner (see docs/content-model.md)",
            )
        )
    by_rel = {page.rel: page for page in tree.pages}
    assets = set(tree.assets)
    workers = options.workers or default_workers(len(tree.pages), POOL_MINIMUM)
    report.extend(check_all_links(tree.pages, by_rel, assets, options.cache, workers))
    coverage = compute_coverage(requirements, tree.pages, options.today)
    if not _front_matter_errors(report, tree.pages):
        # Coverage is judged once every page can be read and its fields are valid; before
        # that, a typo in one page would show up again as a missing requirement.
        checklist_display = _display_checklist(options.checklist)
        report.extend(check_coverage(coverage, tree.pages, options.today, checklist_display))
        exported = export_services(tree.pages, config, workers, options.cache)
        report.extend(check_open_referral(tree.pages, exported))
    else:
        exported = None
    return Checked(config, tree.pages, tree.assets, coverage, md, glossary, report, exported)


LINKS = "links"
"""The build cache's bundle of pages whose links were all fine, with what their targets were."""


def check_all_links(
    pages: list[Page],
    by_rel: dict[str, Page],
    assets: set[str],
    cache: BuildCache | None,
    workers: int = 1,
) -> list[Diagnostic]:
    """Every page's broken, unsafe and escaping links (see `markdown.check_links`), checked on
    `workers` processes (see parallel.fork_map).

    A page whose links were all fine at the last build is not checked again while its file is
    the same and every page or file it links to is as it was then (there or not, published or
    a draft, with the same headings)."""
    anchors: dict[str, str] = {}

    def state(rel: str) -> str:
        if not rel.endswith(".md"):
            return "file" if rel in assets else "none"
        target = by_rel.get(rel)
        if target is None:
            return "none"
        if rel not in anchors:
            anchors[rel] = key_of(*sorted(target.anchors)) if target.readable else ""
        return f"{target.published} {target.readable} {anchors[rel]}"

    if cache is None:
        problems = fork_map(
            lambda n: check_links(pages[n], by_rel, assets), len(pages), workers, LINKS_CHUNK
        )
        return [found for listed in problems for found in listed]
    stored = cache.bundle(LINKS)
    # What every link is checked against, at once: when no page was added, removed,
    # published, drafted or had its headings changed, and no file came or went, a page whose
    # links were fine is still fine, without comparing what each of its links goes to.
    world = _link_world(pages, assets)
    same_world = stored.get(_WORLD) == world
    fine: dict[str, str] = {_WORLD: world}

    def verdict(page: Page) -> tuple[str | None, list[Diagnostic] | None]:
        """A key of what the page's links go to (None when it was not analysed), and its
        link problems: None when its links were fine last time and still go to the same."""
        if page.linked is None or not page.source_key:  # not analysed: check it in full
            return None, check_links(page, by_rel, assets)
        targets = key_of(*(f"{rel}\0{state(rel)}" for rel in page.linked))
        if stored.get(page.source_key) == targets:
            return targets, None
        return targets, check_links(page, by_rel, assets)

    hits = 0
    todo: list[Page] = []
    for page in pages:
        analysed = page.linked is not None and page.source_key
        if same_world and analysed and page.source_key in stored:
            fine[page.source_key] = stored[page.source_key]
            hits += 1
        else:
            todo.append(page)
    found: list[Diagnostic] = []
    verdicts = fork_map(lambda n: verdict(todo[n]), len(todo), workers, LINKS_CHUNK)
    for page, (targets, problems) in zip(todo, verdicts, strict=True):
        if targets is not None and not problems:
            fine[page.source_key] = targets
        hits += problems is None
        found.extend(problems or ())
    cache.counts["links hit"] += hits
    cache.keep_bundle(LINKS, fine)
    return found


LINKS_CHUNK = 128
"""Pages whose links a worker checks at a time (a page's links take a fraction of a
millisecond to check)."""

_WORLD = ""
"""The key, in the bundle of fine links, of what they were checked against (see `_link_world`)."""


def _link_world(pages: list[Page], assets: set[str]) -> str:
    """A key of everything a link's check depends on besides its own page: every page's path,
    whether it is published and readable, and its anchors; and every file copied."""
    parts = [
        f"{page.rel}\0{page.published}\0{page.readable}\0{' '.join(sorted(page.anchors))}"
        for page in pages
    ]
    return key_of("\n".join(parts), "\n".join(sorted(assets)))


def site_model(checked: Checked, options: BuildOptions) -> SiteModel:
    """The published site's shape, from checked content."""
    return SiteModel(
        config=checked.config,
        today=options.today,
        pages=checked.pages,
        coverage=checked.coverage,
        assets=checked.assets,
        glossary=checked.glossary,
    )


def key_pages(model: SiteModel) -> list[str]:
    """Pages every visitor's device keeps for offline use: the home page, the pages meeting
    requirements that need easy-read versions (the most essential), and their easy reads."""
    essential = {r.id for r in model.coverage.requirements if r.easy_read} | {"without-internet"}
    pages = ["index.html"]
    for requirement_id in sorted(essential):
        pages += [page.url for page in model.coverage.pages.get(requirement_id, [])]
    return sorted(set(pages))


def page_sources(model: SiteModel) -> dict[str, str]:
    """Output HTML file → what an editor changes to fix it (for accessibility reports)."""
    sources = {page.url: page.display for page in model.pages}
    sources.update({item.url: f"(generated) {item.url}" for item in model.listings})
    return sources


def build(options: BuildOptions, progress: ProgressFactory = no_progress) -> tuple[Checked, int]:
    """Check, then render and write the site (see write.py: a failed build changes nothing).
    Returns the check and the number of files the site has.

    With `options.a11y`, the new site is also checked with pa11y-ci before it is kept, and any
    accessibility error fails the build like a content error."""
    try:
        return _build(options, progress)
    finally:
        # What the build exempted from garbage collection (see parallel.paused_collection) is
        # collectable again: a preview server builds many times in one process.
        gc.unfreeze()


def _build(options: BuildOptions, progress: ProgressFactory) -> tuple[Checked, int]:
    started = clock()
    with paused_collection():
        checked = check(options)
    forget_links()
    checked.add_time("check", started)
    if options.cache is not None:
        options.cache.save()  # what was read and analysed holds even if the build fails
    if checked.report.has_errors(options.strict):
        raise ContentErrors(checked.report)
    model = site_model(checked, options)
    printing = cpu_seconds()
    checked.printed = print_leaflets(checked, model, options)
    if not options.builds_again:
        stop_printers()  # its printers' CPU time is counted once it has ended
    checked.stages["leaflets"] = checked.print_seconds
    checked.cpu["leaflets"] = cpu_seconds() - printing
    # Pages and listings whose inputs have not changed since the last build are linked from
    # the previous site instead of rendered again (see cache.py).
    keys = output_keys(checked, model, options)
    previous = options.cache.written(options.out_dir) if options.cache is not None else {}
    reused = {
        url: path
        for url, key in keys.items()
        if (path := reusable(options.out_dir, url, key, previous)) is not None
    }
    checked.reused = len(reused)
    # services.json is kept as it is, or made again from the last one (see services_list).
    last_list = None
    if OPEN_REFERRAL_SERVICES in reused:
        if options.cache is not None:
            keep_layout(options.cache, keys[OPEN_REFERRAL_SERVICES])
    elif (listed := previous.get(OPEN_REFERRAL_SERVICES)) is not None and (
        path := reusable(options.out_dir, OPEN_REFERRAL_SERVICES, listed.key, previous)
    ) is not None:
        last_list = LastList(path, listed.key)
    workers = options.workers or default_workers(len(model.pages), POOL_MINIMUM)
    renderer = Renderer(
        model,
        checked.markdown,
        options.templates,
        checked.printed,
        workers,
        skip=set(reused),
        open_referral=checked.open_referral,
        cache=options.cache,
        last_list=last_list,
    )
    copies = [(rel, options.content_dir / rel) for rel in checked.assets]
    # Files made in full every build (the Open Referral export, sitemap, PDFs, ...) are also
    # linked from the previous site when their bytes are the same: writing thousands of small
    # files costs far more than hashing them.
    same_bytes: list[tuple[str, str]] = []

    def changed_files() -> Iterator[tuple[str, bytes]]:
        for url, data in renderer.render_all():
            if url not in keys:
                keys[url] = key_of("bytes", data)
                path = reusable(options.out_dir, url, keys[url], previous)
                if path is not None:
                    same_bytes.append((url, path))
                    continue
            yield url, data

    def finish(update: SiteUpdate) -> None:
        checked.add_time("render_write", writing)
        if options.search:
            with checked.timed("search"):
                checked.search = search_index(update, len(model.pages), options.cache)
        else:
            forget_index(options.cache)
        with checked.timed("offline"):
            made = finish_offline(
                update.site, key_pages(model), options.cache, options.out_dir, update.scratch
            )
            for name in made:
                update.install(name, update.scratch / name)
        if options.a11y:
            with checked.timed("a11y"):
                checked.report.extend(run_pa11y(update.site, page_sources(model)))
            if checked.report.has_errors(options.strict):
                raise ContentErrors(checked.report)

    with progress(renderer.count() + len(copies)) as update:
        writing = clock()
        written = write_site(
            options.out_dir,
            changed_files(),
            copies,
            update,
            finish,
            itertools.chain(reused.items(), same_bytes),
            finished_by=(f"{SEARCH_BUNDLE}/", SERVICE_WORKER, OFFLINE_MANIFEST, ZIP),
        )
    if options.cache is not None:
        kept = {url: previous[url] for url in itertools.chain(reused, (u for u, _ in same_bytes))}
        options.cache.remember_written(options.out_dir, keys, kept)
        options.cache.save()
        options.cache.prune()
    checked.add_time("total", started)
    # The figure the speed target is about: validate, render and write, without search
    # indexing, printing leaflets or the optional accessibility run.
    for measured in (checked.stages, checked.cpu):
        measured["site"] = measured["total"] - sum(
            measured.get(name, 0.0) for name in ("search", "leaflets", "a11y")
        )
    return checked, written


def index_search(out_dir: Path, pages: int) -> SearchIndex:
    """Index the site a build without search (`BuildOptions.search`) wrote into `out_dir`, and
    put the index in place; as in a build, a failure leaves the output as it was. `pages`: the
    published pages the index must hold."""
    update = SiteUpdate.begin(out_dir)
    try:
        index = _new_index(update, pages)
    except BaseException:
        update.rollback()
        raise
    update.commit()
    return index


def search_index(update: SiteUpdate, pages: int, cache: BuildCache | None) -> SearchIndex:
    """Index the new site with Pagefind, or keep the index it has when no page has changed."""
    pages_changed = update.fresh or any(rel.endswith(".html") for rel in update.changed)
    if not pages_changed and (kept := reused_index(update.site, pages, cache)) is not None:
        return kept
    index = _new_index(update, pages)
    remember_index(update.site, update.out_dir, index, cache)
    return index


def _new_index(update: SiteUpdate, pages: int) -> SearchIndex:
    """Index the site being updated with Pagefind and put the index in place."""
    made = update.scratch / SEARCH_BUNDLE
    index = index_site(update.site, pages, made)
    update.install(SEARCH_BUNDLE, made)
    return index


def output_keys(checked: Checked, model: SiteModel, options: BuildOptions) -> dict[str, str]:
    """The cache key of each page and listing the build writes: everything it is made from.

    Any page may show any other page's front matter (titles, summaries and dates appear in
    listings, breadcrumbs and navigation), so every key includes all the front matter, the
    settings, glossary, checklist, templates, leaflets and date; a page's own key adds its whole
    file. Editing the text of a page re-renders that page only; editing front matter re-renders
    every page (in parallel, as a cold build does)."""
    content = options.content_dir
    site = key_of(
        "site",
        options.today.isoformat(),
        hash_files([content / "site.yaml", content / "glossary.yaml", options.checklist]),
        hash_files(sorted(p for p in options.templates.rglob("*") if p.is_file())),
        *(f"{page.rel}\0{page.front_key}\0{page.readable}" for page in checked.pages),
        *checked.assets,
        *(f"{url}\0{key_of(pdf.data)}" for url, pdf in sorted(checked.printed.items())),
    )
    keys = {page.url: key_of("page", site, page.source_key) for page in model.pages}
    keys.update({listing.url: key_of("listing", site, listing.url) for listing in model.listings})
    # Made from the front matter and settings alone, like the listings.
    keys.update({url: key_of("front matter", site, url) for url in FRONT_MATTER_FILES})
    # A service's Open Referral file is made from its record alone (see ExportedService.key).
    # services.json, from all of them in order (see oruk_export.services_list).
    if checked.open_referral is not None:
        ordered = in_site_order(model, checked.open_referral)
        for url, service in service_files(ordered).items():
            if service.key:
                keys[url] = key_of("open referral", service.key)
        if listed := list_key(ordered):
            keys[OPEN_REFERRAL_SERVICES] = listed
    return keys


FRONT_MATTER_FILES = (SITEMAP_URL, API_PAGES, MANIFEST)
"""Files made from every page's front matter, the settings and the templates, but no body."""


def print_leaflets(
    checked: Checked,
    model: SiteModel,
    options: BuildOptions,
    leaflets: list[Leaflet] | None = None,
    print_marks: bool = False,
) -> dict[str, PrintedPdf]:
    """Print the site's leaflets (or the ones given) to PDF, in parallel. A leaflet that does
    not fit its paper is a content error, reported like any other."""
    chosen = model.leaflets if leaflets is None else leaflets
    started = time.perf_counter()  # laying leaflets out for print is part of printing them
    layout = LeafletLayout(
        model, checked.markdown, options.templates, options.content_dir, print_marks,
        options.cache,
    )
    printed = print_all(layout.jobs(chosen), cache=options.cache)
    checked.print_seconds = time.perf_counter() - started
    for leaflet in chosen:
        checked.report.extend(check_fit(leaflet, printed[leaflet.url].pages))
    if checked.report.has_errors(options.strict):
        raise ContentErrors(checked.report)
    return printed


def choose_leaflets(model: SiteModel, names: tuple[str, ...]) -> list[Leaflet]:
    """The leaflets named on the command line (by file name, with or without `.md`), or all."""
    if not names:
        return model.leaflets
    known = {leaflet.name for leaflet in model.leaflets}
    wanted = {name.removesuffix(".md").rsplit("/", 1)[-1] for name in names}
    unknown = sorted(wanted - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none: add Markdown files to leaflets/"
        raise ConfigError(f"no leaflet called {', '.join(unknown)}; the leaflets are {listed}")
    return [leaflet for leaflet in model.leaflets if leaflet.name in wanted]


def check_accessibility(checked: Checked, options: BuildOptions, site_dir: Path) -> None:
    """Add pa11y-ci's findings on an already built `site_dir` to the report."""
    if not (site_dir / "index.html").is_file():
        raise ConfigError(f"{site_dir.as_posix()}: no built site here (no index.html); build it "
                          "first with lo-static build")
    checked.report.extend(run_pa11y(site_dir, page_sources(site_model(checked, options))))


GENERATED_FILES = frozenset(
    {SITEMAP_URL, NEWS_FEED_URL, MANIFEST, VOCABULARY, SERVICE_WORKER, OFFLINE_MANIFEST, ZIP}
)
"""Files the build writes besides the pages (see `reserved_urls()` for those)."""
GENERATED_FOLDERS = ("assets/", f"{SEARCH_BUNDLE}/", f"{OPEN_REFERRAL_FOLDER}/", f"{API_FOLDER}/")
"""Folders the build fills: hashed stylesheets and scripts, the search index, the Open Referral
export and `api/pages.json`."""


def check_copied_files(assets: list[str], pages: list[Page], root: str) -> list[Diagnostic]:
    """Content files that are copied as they are (images, PDFs) may not take the name of a file
    the build writes, or they would silently replace it."""
    taken = {name.casefold() for name in GENERATED_FILES | reserved_urls()}
    for page in pages:
        if page.kind == "leaflet":
            stem = page.rel.removeprefix("leaflets/").removesuffix(".md")
            taken |= {f"leaflets/{stem}.pdf", f"leaflets/{stem}.easy-read.pdf"}
    found: list[Diagnostic] = []
    for rel in assets:
        if rel.casefold() in taken or rel.casefold().startswith(GENERATED_FOLDERS):
            found.append(
                problem(
                    "url-collision",
                    f"{root}/{rel}" if root not in ("", ".") else rel,
                    0,
                    f"the build writes its own '{rel}', which this file would replace; "
                    "rename it or move it to another folder, such as images/",
                )
            )
    return found


def check_urls(pages: list[Page]) -> list[Diagnostic]:
    """Two files may not share an output URL (case-insensitively), nor take a generated one;
    an easy-read file needs its standard page beside it."""
    found: list[Diagnostic] = []
    reserved = {url.casefold() for url in reserved_urls()}
    owners: dict[str, Page] = {}
    rels = {page.rel for page in pages}
    for page in pages:
        key = page.url.casefold()
        if key in reserved:
            found.append(
                problem(
                    "url-collision",
                    page.display,
                    0,
                    f"this file would be published at '{page.url}', which the build uses for a "
                    "generated page; rename or move it",
                )
            )
        elif key in owners:
            found.append(
                problem(
                    "url-collision",
                    page.display,
                    0,
                    f"this file and '{owners[key].display}' would both be published at "
                    f"'{page.url}'; rename one of them",
                )
            )
        else:
            owners[key] = page
        if page.is_easy_read and page.standard_rel not in rels:
            found.append(
                problem(
                    "orphan-easy-read",
                    page.display,
                    0,
                    f"this easy-read version has no standard page; add '{page.standard_rel}' "
                    "or rename this file",
                )
            )
    return found


FRONT_MATTER_CODES = frozenset(
    {
        "encoding",
        "front-matter",
        "yaml-syntax",
        "duplicate-key",
        "missing-field",
        "wrong-type",
        "bad-value",
        "invalid-date",
        "invalid-email",
        "invalid-phone",
        "invalid-url",
        "invalid-postcode",
        "summary-too-long",
        "empty-value",
        "placeholder",
        "unknown-requirement",
        "bad-filename",
    }
)
"""Errors that mean a page's fields are not yet known, so coverage cannot be judged fairly."""


def _front_matter_errors(report: Report, pages: list[Page]) -> bool:
    """True when some page could not be read or has an invalid field."""
    return any(not p.readable for p in pages) or any(
        d.code in FRONT_MATTER_CODES and d.severity is Severity.ERROR for d in report.items
    )


def _site_yaml_display(options: BuildOptions) -> str:
    root = options.display_root
    return f"{root}/site.yaml" if root not in ("", ".") else "site.yaml"


def _display_checklist(path: Path) -> str:
    """The checklist's path as editors see it: relative to the project when it is ours."""
    for root in (resources.PROJECT_ROOT, Path.cwd()):
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def readability_rows(content_dir: Path) -> list[dict[str, object]]:
    """Readability of every readable page, hardest first (for `lo-static report readability`)."""
    options = BuildOptions(content_dir, Path("dist"), date.today())
    load_config(options.content_dir, options.display_root)  # a clear error if it is not a site
    md = make_markdown()
    rows: list[dict[str, object]] = []
    for page in discover(content_dir, options.display_root).pages:
        if not page.readable or parse_page(md, page):
            continue  # a body the parser could not read: `lo-static check` reports it
        score = readability(page)
        if not score.words:
            continue
        rows.append(
            {
                "path": page.display,
                "easy_read": page.is_easy_read,
                "flesch": score.flesch,
                "words": score.words,
                "sentences": score.sentences,
                "words_per_sentence": score.words_per_sentence,
            }
        )
    return sorted(rows, key=lambda row: (float(str(row["flesch"])), str(row["path"])))
