"""Search: index the built site with Pagefind (its Python package and bundled binary).

Runs on the complete new site before it replaces the old one. Only each page's main content is
indexed (`data-pagefind-body`), with filters for age group, need, topic, service level, coverage
and easy read. A build whose index is missing or incomplete fails: a search box that silently
finds nothing is worse than none.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import BuildCache, file_identity, key_of
from .content import Page
from .errors import OutputError
from .packed import KeptBytes

BUNDLE = "pagefind"
# Pagefind writes its stock interfaces too; this site has its own accessible one.
UNUSED = (
    "pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js",
    "pagefind-component-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
    "pagefind-highlight.js",
)


WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{3,}")
"""A word of the search page's word list (and of the glossary's search for expansions)."""


class WordCounts(KeptBytes):
    """How often a page uses each word, packed: a build holds one for every page, and a dict of
    a long page's 300 words takes 18 KB of memory where these bytes take 3 KB (and they cross
    between processes as one object instead of 600). Held like a page's packed text (see
    packed.py): in the build's spool, and in the build cache after the pickle of the entries
    that hold it, read only where it is used. A rebuild reads every page's analysis and the
    counts of the last sum (5.6 MB of words each at 5,000 services) but uses the counts of
    the pages that changed alone.

    The bytes: the length of the counts (4 bytes, little-endian), the counts as unsigned ints
    (`array("I")`), then the words in UTF-8, one per line."""

    __slots__ = ()

    @classmethod
    def of(cls, counts: dict[str, int]) -> WordCounts:
        numbers = array("I", counts.values()).tobytes()
        words = "\n".join(counts).encode("utf-8", "surrogatepass")
        return cls(len(numbers).to_bytes(4, "little") + numbers + words)

    def items(self) -> Iterator[tuple[str, int]]:
        data = self.data
        length = int.from_bytes(data[:4], "little")
        if length:
            words = data[4 + length :].decode("utf-8", "surrogatepass").split("\n")
            yield from zip(words, array("I", data[4 : 4 + length]), strict=True)


def word_counts(page: Page, body: str | None = None) -> WordCounts:
    """How often the page's title, summary and body (`body`, when the caller has unpacked it
    already) use each word (lowercased), for the search page's spelling help (the site's words,
    most used first)."""
    return WordCounts.of(count_words(page.searchable_text(body)))


def count_words(text: str) -> Counter[str]:
    """How often `text` uses each `WORD`, lowercased."""
    return Counter(map(str.lower, WORD.findall(text)))


WORDS = "words"
"""The build cache's bundle of each page's word counts as the last sum had them (see
`site_word_counts`)."""
WORD_TOTALS = "word totals"
"""The build cache's kind for that sum."""


def site_word_counts(pages: Sequence[Page], cache: BuildCache | None = None) -> Counter[str]:
    """How often the site's pages use each word, all together.

    Adding up every page's counts took a fifth of a second of each rebuild at 5,000 services.
    With a `cache`, the last build's sum is corrected instead: the old counts of each page that
    changed, went or came are taken away and its new ones added. The sum is kept with a key of
    every page's file it was made from, and made again in full whenever that does not match the
    pages' counts as kept (a cache written only in part, say)."""
    if cache is None or not all(page.source_key for page in pages):
        return _sum_of(page.words or word_counts(page) for page in pages)
    kept: dict[str, tuple[str, WordCounts]] = cache.bundle(WORDS)
    current: dict[str, tuple[str, WordCounts]] = {}
    for page in pages:
        known = kept.get(page.rel)
        if known is not None and known[0] == page.source_key:
            current[page.rel] = known  # counted from the same bytes: the same counts
        else:
            current[page.rel] = (page.source_key, page.words or word_counts(page))
    stored = cache.get(WORD_TOTALS, key_of(WORD_TOTALS))
    changed = [
        rel
        for rel in sorted(current.keys() | kept.keys())
        if (kept[rel][0] if rel in kept else None) != (current[rel][0] if rel in current else None)
    ]
    if (
        isinstance(stored, tuple)
        and len(stored) == 2
        and stored[0] == _sources_key(kept)
        and len(changed) <= len(current) // 4  # else adding up afresh is as quick
    ):
        totals: Counter[str] = stored[1].copy()
        for rel in changed:
            if rel in kept:
                for word, count in kept[rel][1].items():
                    if left := totals[word] - count:
                        totals[word] = left
                    else:
                        del totals[word]
            if rel in current:
                totals.update(dict(current[rel][1].items()))
    else:
        totals = _sum_of(counts for _, counts in current.values())
    cache.keep_bundle(WORDS, current)
    cache.put(WORD_TOTALS, key_of(WORD_TOTALS), (_sources_key(current), totals))
    return totals.copy()  # the caller's to change; the kept sum stays as it is


def _sum_of(all_counts: Iterable[WordCounts]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for counts in all_counts:
        for word, count in counts.items():
            totals[word] += count
    return totals


def _sources_key(words: dict[str, tuple[str, WordCounts]]) -> str:
    """A key of the pages' paths and the files their counts were made from."""
    return key_of(*(f"{rel}\0{source}" for rel, (source, _) in sorted(words.items())))


@dataclass(frozen=True)
class SearchIndex:
    """What was indexed, for the build summary and the benchmark."""

    pages: int
    bytes: int
    seconds: float


def index_site(site_dir: Path, expected_pages: int, output: Path | None = None) -> SearchIndex:
    """Index `site_dir` into `output` (default `site_dir/pagefind/`); raises OutputError unless
    every expected page is in it."""
    started = time.perf_counter()
    output = (output or site_dir / BUNDLE).absolute()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            # In a thread of its own, so it also works when the caller already runs an event loop.
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(lambda: asyncio.run(_index(site_dir.absolute(), output))).result()
        except FileNotFoundError:
            raise OutputError(
                "search index not built: the Pagefind binary is missing; install it with "
                "pip install 'pagefind[bin]' (scripts/build-site does this)"
            ) from None
        except Exception as error:  # the service reports failures as assorted exception types
            raise OutputError(f"search index not built: Pagefind failed: {error}") from None
        indexed = _indexed_pages(output)
        if indexed == expected_pages:
            break
        # Now and then Pagefind's service ends without leaving its whole index (its entry
        # file missing): index once more before giving up.
        left = sum(1 for path in output.rglob("*") if path.is_file()) if output.is_dir() else 0
        shutil.rmtree(output, ignore_errors=True)
        if attempt == ATTEMPTS:
            raise OutputError(
                f"search index not built properly: Pagefind indexed {indexed} pages, expected "
                f"{expected_pages} (it left {left} files, tried {ATTEMPTS} times); the site "
                "was not published"
            )
    for name in UNUSED:
        (output / name).unlink(missing_ok=True)
    size = sum(p.stat().st_size for p in output.rglob("*") if p.is_file())
    return SearchIndex(indexed, size, round(time.perf_counter() - started, 3))


ATTEMPTS = 2
"""How many times Pagefind is run before an incomplete index fails the build."""

RECORD = "search"
"""The build cache's bundle recording the last index: where it is, how its entry file looked."""


def reused_index(
    site_dir: Path, expected_pages: int, cache: BuildCache | None
) -> SearchIndex | None:
    """The index already in `site_dir`, if the last build made it there (with this code) and
    nobody changed it since. Only call this when no HTML file of the site has changed."""
    if cache is None:
        return None
    record = cache.bundle(RECORD)
    if record.get("key") != _index_key(site_dir) or record.get("pages") != expected_pages:
        return None
    if record.get("entry") != file_identity(site_dir / BUNDLE / "pagefind-entry.json"):
        return None
    return SearchIndex(expected_pages, int(record.get("bytes", 0)), 0.0)


def remember_index(
    site_dir: Path, out_dir: Path, index: SearchIndex, cache: BuildCache | None
) -> None:
    """Record the index just placed in `site_dir`, the site that becomes `out_dir`, for
    `reused_index`."""
    if cache is not None:
        cache.keep_bundle(RECORD, {
            "key": _index_key(out_dir),
            "pages": index.pages,
            "bytes": index.bytes,
            "entry": file_identity(site_dir / BUNDLE / "pagefind-entry.json"),
        })


def forget_index(cache: BuildCache | None) -> None:
    """Drop the record of the last index: the site's pages have changed since it was made (a
    build without search), so no later build may keep it."""
    if cache is not None:
        cache.keep_bundle(RECORD, {})


def _index_key(site_dir: Path) -> str:
    return key_of("search", str(site_dir.resolve()))


async def _index(site_dir: Path, output: Path) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=str(output), keep_index_url=True, force_language="en")
    async with PagefindIndex(config=config) as index:
        await index.add_directory(str(site_dir))
        # Pagefind's service answers once it has handed the last files to be written, and
        # the Python package then ends it at once (SIGTERM): a file still being written is
        # left cut short (once, pagefind.js, and search could not start). Closing its input
        # lets it finish and exit by itself; the package's ending is then a formality.
        service = getattr(index, "_service", None)
        backend = getattr(service, "_backend", None)
        if backend is None or backend.stdin is None:
            return  # not the package this was written for: leaving the block writes and ends
        await index.write_files()
        # Its answers are all in: stop reading them first, or the reader meets the end.
        reader = getattr(service, "_poll_task", None)
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        backend.stdin.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(backend.wait(), timeout=EXIT_WAIT)
        with contextlib.suppress(ProcessLookupError):  # the package's ending, now a formality
            await service.close()
        index._index_id = None  # written and ended: nothing left for leaving the block to do


EXIT_WAIT = 60
"""Seconds Pagefind's service is given to finish writing and exit by itself."""
COMPRESSED = frozenset({".pf_fragment", ".pf_index", ".pf_filter", ".pf_meta", ".pagefind"})
"""The suffixes of the index's files that Pagefind writes gzipped."""


def _indexed_pages(output: Path) -> int:
    """The pages the index in `output` holds, or 0 when any of its files is missing or cut
    short: its entry file must be readable JSON, and every compressed file (`COMPRESSED`:
    the index, fragments, filters and WebAssembly, which is all of it that a search reads but
    the entry file and two scripts) must decompress to its recorded end."""
    entry = output / "pagefind-entry.json"
    if not entry.is_file():
        return 0
    try:
        languages = json.loads(entry.read_text())["languages"]
        pages = sum(int(language["page_count"]) for language in languages.values())
    except (ValueError, KeyError, TypeError):
        return 0
    for path in output.rglob("*"):
        if path.suffix in COMPRESSED and path.is_file():
            try:
                zlib.decompress(path.read_bytes(), wbits=31)  # gzip: its CRC and length checked
            except (OSError, zlib.error):
                return 0
    return pages
