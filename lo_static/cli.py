"""The `lo-static` command line: the one place that prints and chooses exit codes.

Exit status: 0 built or checked (warnings allowed), 1 content errors, 2 usage or configuration
errors. Problems go to standard output in the chosen format; progress and status lines go to
standard error, so `--format json` output is always one clean JSON document.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from . import resources, rules, schema
from .build import (
    BuildOptions,
    Checked,
    build,
    check,
    check_accessibility,
    choose_leaflets,
    print_leaflets,
    readability_rows,
    site_model,
)
from .cache import DEFAULT_DIR as DEFAULT_CACHE_DIR
from .cache import BuildCache
from .ci_summary import summary_markdown
from .config import load_config
from .diagnostics import Report, format_github, format_json, format_text
from .errors import ConfigError, ContentErrors, LoStaticError
from .leaflets import pdf_label
from .review_report import FORMATTERS as REVIEW_FORMATTERS
from .review_report import build_report as build_review_report
from .review_report import format_markdown as format_review_markdown
from .scaffold import create
from .write import write_files

FORMATS = ("text", "json", "github")


def _today(value: datetime | None) -> date:
    return value.date() if value else date.today()


CONTENT_OPTION = click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("content"),
    show_default=True,
    help="The content folder: site.yaml and the Markdown files.",
)
TODAY_OPTION = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Treat this date (YYYY-MM-DD) as today, for reproducible review dates.",
)


def _content_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        CONTENT_OPTION,
        TODAY_OPTION,
        click.option(
            "--format",
            "output_format",
            type=click.Choice(FORMATS),
            default="text",
            show_default=True,
            help="How to print problems: text, json (one document), or github (annotations).",
        ),
        click.option("--strict", is_flag=True, help="Treat warnings as errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _cache_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--no-cache",
        is_flag=True,
        envvar="LO_STATIC_NO_CACHE",
        help="Do all the work again, ignoring (and not adding to) the build cache.",
    )(func)
    return click.option(
        "--cache-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_CACHE_DIR,
        show_default=True,
        envvar="LO_STATIC_CACHE_DIR",
        help="Where to keep what builds learn, so the next build redoes only what changed.",
    )(func)


def _cache(cache_dir: Path, no_cache: bool) -> BuildCache | None:
    return None if no_cache else BuildCache(cache_dir)


def _out_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("dist"),
        show_default=True,
        help="Where to write the site (replaced only when the build succeeds).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lo-static")
def main() -> None:
    """Build an accessible, lawful SEND Local Offer website from Markdown."""


def _print_report(report: Report, output_format: str, **extra: object) -> None:
    if output_format == "json":
        click.echo(format_json(report, **extra), nl=False)
    elif output_format == "github":
        click.echo(format_github(report), nl=False)
    else:
        click.echo(format_text(report), nl=False)


def _fail(error: LoStaticError, output_format: str) -> None:
    if isinstance(error, ContentErrors):
        _print_report(error.report, output_format, ok=False)
    elif output_format == "json":
        click.echo(format_json(Report(), ok=False, config_error=str(error)), nl=False)
    else:
        click.echo(f"Error: {error}", err=True)
    sys.exit(error.exit_code)


def _progress_factory(output_format: str) -> Callable[[int], Any]:
    """A progress bar on an interactive terminal; silence in CI or when piped."""
    interactive = sys.stderr.isatty() and not os.environ.get("CI") and output_format == "text"

    @contextlib.contextmanager
    def factory(total: int) -> Iterator[Callable[[int], None]]:
        if not interactive or total < 200:
            yield lambda n: None
            return
        with click.progressbar(length=total, label="Writing pages", file=sys.stderr) as bar:
            yield bar.update

    return factory


@main.command("build")
@_content_options
@_out_option
@click.option(
    "--a11y",
    is_flag=True,
    help="Also check every built page with pa11y-ci (WCAG 2.2 AA, axe and HTML_CodeSniffer) "
    "before publishing it.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for parsing and rendering pages [default: one per core on a site of "
    "300 pages or more, else 1].",
)
@_cache_options
def build_command(
    content_dir: Path,
    out_dir: Path,
    today: datetime | None,
    output_format: str,
    strict: bool,
    a11y: bool,
    jobs: int | None,
    cache_dir: Path,
    no_cache: bool,
) -> None:
    """Check the content, then build the site into --out."""
    options = BuildOptions(
        content_dir,
        out_dir,
        _today(today),
        strict,
        a11y,
        workers=jobs,
        cache=_cache(cache_dir, no_cache),
    )
    try:
        checked, written = build(options, _progress_factory(output_format))
    except LoStaticError as error:
        _fail(error, output_format)
        return
    search = checked.search
    _print_report(
        checked.report,
        output_format,
        ok=True,
        files=written,
        out=str(out_dir),
        search={"pages": search.pages, "bytes": search.bytes, "seconds": search.seconds}
        if search
        else None,
        leaflets=_leaflets_summary(checked),
        stages={name: round(seconds, 3) for name, seconds in checked.stages.items()},
        cpu={name: round(seconds, 3) for name, seconds in checked.cpu.items()},
        cache=_cache_summary(checked, options.cache),
    )
    if output_format != "json":
        pages = sum(1 for p in checked.pages if p.published and p.kind != "leaflet")
        leaflets = f", {len(checked.printed)} leaflets" if checked.printed else ""
        click.echo(
            f"Built {pages} pages{leaflets} ({written} files) into {out_dir.as_posix()}/",
            err=True,
        )


@main.command("leaflets")
@click.argument("names", nargs=-1)
@_content_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("dist/leaflets"),
    show_default=True,
    help="Where to write the PDFs.",
)
@click.option(
    "--print-marks",
    is_flag=True,
    help="Add 3 mm bleed and crop marks for a professional printer (files end .print.pdf).",
)
def leaflets_command(
    names: tuple[str, ...],
    content_dir: Path,
    today: datetime | None,
    output_format: str,
    strict: bool,
    out_dir: Path,
    print_marks: bool,
) -> None:
    """Check the content, then print only the leaflets (all, or the NAMES given) to PDF."""
    options = BuildOptions(content_dir, out_dir, _today(today), strict)
    try:
        checked = check(options)
        if checked.report.has_errors(strict):
            raise ContentErrors(checked.report)
        model = site_model(checked, options)
        chosen = choose_leaflets(model, names)
        printed = print_leaflets(checked, model, options, chosen, print_marks)
        checked.printed = printed
        files = {
            _print_name(url, print_marks): pdf.data for url, pdf in printed.items()
        }
        write_files(out_dir, files)
    except LoStaticError as error:
        _fail(error, output_format)
        return
    _print_report(
        checked.report,
        output_format,
        ok=True,
        files=len(files),
        out=str(out_dir),
        leaflets=_leaflets_summary(checked),
    )
    if output_format != "json":
        for leaflet in chosen:
            pdf = printed[leaflet.url]
            name = _print_name(leaflet.url, print_marks)
            label = pdf_label(leaflet.paper.name, pdf.pages, len(pdf.data))
            click.echo(f"Wrote {(out_dir / name).as_posix()} ({label})", err=True)
        if not chosen:
            click.echo("No leaflets to print: add Markdown files to leaflets/", err=True)


def _cache_summary(checked: Checked, cache: BuildCache | None) -> dict[str, object] | None:
    if cache is None:
        return None
    return {
        "hits": cache.hits,
        "misses": cache.misses,
        "reused_files": checked.reused,
        "zip_entries_reused": cache.counts["zip hit"],
        "leaflets_reused": cache.counts["pdf hit"],
        "open_referral_reused": cache.counts["open-referral hit"],
        "link_checks_reused": cache.counts["links hit"],
    }


def _leaflets_summary(checked: Checked) -> dict[str, object]:
    """What printing cost, for `--format json` (the benchmark reads it)."""
    return {
        "count": len(checked.printed),
        "pages": sum(pdf.pages for pdf in checked.printed.values()),
        "bytes": sum(len(pdf.data) for pdf in checked.printed.values()),
        "seconds": round(checked.print_seconds, 3),
    }


def _print_name(url: str, print_marks: bool) -> str:
    """`leaflets/x.pdf` → `x.pdf`, or `x.print.pdf` with print marks."""
    name = url.rsplit("/", 1)[-1]
    return name.removesuffix(".pdf") + ".print.pdf" if print_marks else name


@main.command("check")
@_content_options
@click.option(
    "--a11y",
    "a11y_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Also check the site already built in this folder with pa11y-ci.",
)
@_cache_options
def check_command(
    content_dir: Path,
    today: datetime | None,
    output_format: str,
    strict: bool,
    a11y_dir: Path | None,
    cache_dir: Path,
    no_cache: bool,
) -> None:
    """Check the content; write nothing but the build cache."""
    options = BuildOptions(
        content_dir, Path("dist"), _today(today), strict, cache=_cache(cache_dir, no_cache)
    )
    try:
        checked = check(options)
        if a11y_dir is not None:
            check_accessibility(checked, options, a11y_dir)
    except LoStaticError as error:
        _fail(error, output_format)
        return
    if options.cache is not None:
        options.cache.save()  # so a build after the check need not read the files again
    failed = checked.report.has_errors(strict)
    _print_report(checked.report, output_format, ok=not failed)
    if failed:
        sys.exit(1)


@main.command("serve")
@CONTENT_OPTION
@TODAY_OPTION
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Serve on http://127.0.0.1:PORT; 0 picks a free port.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to build the preview (default: a temporary folder, removed when you stop).",
)
@_cache_options
def serve_command(
    content_dir: Path,
    today: datetime | None,
    port: int,
    out_dir: Path | None,
    cache_dir: Path,
    no_cache: bool,
) -> None:
    """Preview the site in a browser: rebuild on every change and reload the page.

    Never touches dist/. While the content has errors, every page shows them instead."""
    from .preview import PreviewOptions  # imported when used: it needs watchfiles
    from .preview import run as run_preview

    options = PreviewOptions(
        content_dir,
        out_dir,
        port,
        today.date() if today else None,
        cache_dir=None if no_cache else cache_dir,
    )
    try:
        run_preview(options, lambda line: click.echo(line, err=True))
    except LoStaticError as error:
        _fail(error, "text")
        return
    except KeyboardInterrupt:
        pass  # a second Ctrl-C while cleaning up
    click.echo("Stopped the preview.", err=True)


@main.command("new")
@click.argument("kind", type=click.Choice(["service", "page"]))
@click.argument("title")
@CONTENT_OPTION
@TODAY_OPTION
def new_command(kind: str, title: str, content_dir: Path, today: datetime | None) -> None:
    """Start a new service or page with every required field to fill in."""
    try:
        max_months = load_config(content_dir, content_dir.as_posix())[0].review.max_months
    except ConfigError:
        max_months = 12
    try:
        path = create(content_dir, kind, title, _today(today), max_months)
    except LoStaticError as error:
        _fail(error, "text")
        return
    click.echo(f"Created {path.as_posix()}: replace every 'TODO:' before publishing.")


@main.command("schema")
@click.option("--write", "mode", flag_value="write", help="Regenerate the files.")
@click.option(
    "--check",
    "mode",
    flag_value="check",
    default=True,
    help="Fail if the files are out of date (default).",
)
def schema_command(mode: str) -> None:
    """Regenerate (or check) checks/schema/*.json and the table in docs/content-model.md."""
    expected = {
        resources.SCHEMA_DIR / name: text for name, text in schema.json_schema_files().items()
    }
    doc = resources.CONTENT_MODEL_DOC
    expected[doc] = rules.update_docs(schema.update_docs(doc.read_text(encoding="utf-8")))
    stale = [
        p for p, text in expected.items() if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    if mode == "write":
        for path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(expected[path], encoding="utf-8")
            click.echo(f"wrote {path.relative_to(resources.PROJECT_ROOT).as_posix()}")
        return
    for path in stale:
        click.echo(f"out of date: {path.relative_to(resources.PROJECT_ROOT).as_posix()}")
    if stale:
        click.echo("Run 'lo-static schema --write' to regenerate them.", err=True)
        sys.exit(1)


@main.group("import")
def import_group() -> None:
    """Start service files from another directory's data."""


@import_group.command("oruk")
@click.argument("feed", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--into",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("content"),
    show_default=True,
    help="The content folder; each service is written to its services/ folder.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Rewrite files of services already imported (found by id), keeping what editors "
    "wrote where the feed has nothing.",
)
@TODAY_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A report for people, or one JSON document for tools.",
)
def import_oruk_command(
    feed: Path, content_dir: Path, update: bool, today: datetime | None, output_format: str
) -> None:
    """Write a service file for each active service in an Open Referral UK feed: FEED is a
    JSON file holding an ORUK 3.0 service list or service, or an ORUK v1 page of services.

    What the feed cannot say is marked TODO:, so 'lo-static check' fails until an editor has
    filled it in. Exit status: 0 imported (even with problems to fix), 1 nothing could be
    imported, 2 the feed or folder cannot be used."""
    try:
        max_months = load_config(content_dir, content_dir.as_posix())[0].review.max_months
    except ConfigError:
        max_months = 12
    # Imported when used: HTML cleaning (nh3, markdownify, ftfy) would slow every other command.
    from .oruk_import import ImportOptions, import_feed, read_feed
    from .oruk_import import format_text as format_import_text

    options = ImportOptions(content_dir, content_dir.as_posix(), _today(today), update, max_months)
    try:
        result = import_feed(read_feed(feed, feed.as_posix()), options)
    except LoStaticError as error:
        if output_format == "json":
            click.echo(json.dumps({"ok": False, "error": str(error)}, indent=2, ensure_ascii=False))
        else:
            click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    if output_format == "json":
        click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_import_text(result, feed.as_posix()), nl=False)
        click.echo(result.summary(), err=True)
    if result.exit_code:
        sys.exit(result.exit_code)


@main.group("report")
def report_group() -> None:
    """Reports about the content, for the teams who look after it."""


@report_group.command("readability")
@CONTENT_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table for people, or JSON for tools.",
)
def readability_command(content_dir: Path, output_format: str) -> None:
    """Flesch reading ease of every page (higher is easier; aim for 60 or more, and 80 or more
    for easy read)."""
    try:
        rows = readability_rows(content_dir)
    except LoStaticError as error:
        _fail(error, output_format)
        return
    if output_format == "json":
        click.echo(json.dumps({"pages": rows}, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'reading ease':>12}  {'words/sentence':>14}  {'words':>6}  page")
    for row in rows:
        click.echo(
            f"{row['flesch']:>12.1f}  {row['words_per_sentence']:>14.1f}  {row['words']:>6}  "
            f"{row['path']}{'  (easy read)' if row['easy_read'] else ''}"
        )
    if rows:
        average = sum(float(r["flesch"]) for r in rows) / len(rows)
        click.echo(f"{len(rows)} pages; average reading ease {average:.1f}")


@report_group.command("reviews")
@CONTENT_OPTION
@TODAY_OPTION
@click.option(
    "--within",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Also list pages due for review within this many days.",
)
@click.option("--all", "show_all", is_flag=True, help="List every page, even those not due.")
@click.option("--owner", default=None, help="Only this team's pages (case does not matter).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(REVIEW_FORMATTERS)),
    default="text",
    show_default=True,
    help="A table per team, csv for a spreadsheet, json for tools, or markdown for an issue.",
)
@click.option(
    "--fail-on-overdue", is_flag=True, help="Exit with status 1 when any page is overdue (for CI)."
)
def reviews_command(
    content_dir: Path,
    today: datetime | None,
    within: int,
    show_all: bool,
    owner: str | None,
    output_format: str,
    fail_on_overdue: bool,
) -> None:
    """Review dates of every page, service and leaflet by owning team: overdue first, then
    those due soon. Pages whose dates cannot be read are listed with the reason."""
    try:
        report = build_review_report(content_dir, _today(today), within, show_all, owner)
    except LoStaticError as error:
        _fail(error, output_format)
        return
    click.echo(REVIEW_FORMATTERS[output_format](report), nl=False)
    overdue = report.summary()["overdue"]
    if fail_on_overdue and overdue:
        click.echo(f"{overdue} overdue for review (--fail-on-overdue)", err=True)
        sys.exit(1)


@report_group.command("summary")
@CONTENT_OPTION
@TODAY_OPTION
@click.option(
    "--site",
    "site_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="A built site (like dist) whose page weights and leaflets to report.",
)
@click.option(
    "--within",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="List reviews due within this many days.",
)
def summary_command(
    content_dir: Path, today: datetime | None, site_dir: Path | None, within: int
) -> None:
    """A Markdown summary for a CI job (GitHub's job summary): problems, how the Local Offer
    meets the law, reviews due soon, page weights and leaflets. Always exits 0: it reports."""
    day = _today(today)
    options = BuildOptions(content_dir, Path("dist"), day)
    report, coverage, title, config_error = Report(), None, "Local Offer", ""
    try:
        checked = check(options)
        report, coverage, title = checked.report, checked.coverage, checked.config.title
    except LoStaticError as error:
        config_error = str(error)
    try:
        reviews = format_review_markdown(build_review_report(content_dir, day, within))
    except LoStaticError:
        reviews = ""
    click.echo(summary_markdown(report, coverage, reviews, site_dir, title, config_error))
