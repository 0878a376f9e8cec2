"""Writing the site: a first build appears whole; an update touches only what changed; a build
that fails, or is killed, leaves the previous output exactly as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lo_static.errors import OutputError
from lo_static.write import SiteUpdate, write_site
from tests.conftest import REPO

OLD_SITE = {
    "index.html": b"<p>home</p>",
    "services/a/index.html": b"<p>a</p>",
    "services/b/index.html": b"<p>b, soon a file of its own</p>",
    "news/index.html": b"<p>news: all of it goes</p>",
    "news/2026/item/index.html": b"<p>an item</p>",
    "report": b"a file that becomes a folder",
    "pagefind/entry.json": b"{}",
}


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file under root with its bytes' hash, inode and modification time; every folder
    with its permissions (a folder's own times change as files come and go)."""
    found = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if path.is_dir():
            found[path.relative_to(root).as_posix()] = ("folder", info.st_mode, 0)
        else:
            what = hashlib.sha256(path.read_bytes()).hexdigest()
            found[path.relative_to(root).as_posix()] = (what, info.st_ino, info.st_mtime_ns)
    return found


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}-"))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder holding the old site, written the way a first build writes it."""
    out = tmp_path / "dist"
    write_site(out, OLD_SITE.items(), [])
    return out


NEW_FILES = {
    "index.html": b"<p>home, changed</p>",
    "services/b": b"now a file where a folder was",
    "report/index.html": b"now a folder where a file was",
    "services/c/index.html": b"<p>new</p>",
}


def update(out: Path, finish: object = None) -> int:
    """Write the new site over the old: a/ unchanged (already in place), news/ gone."""
    return write_site(
        out,
        NEW_FILES.items(),
        [],
        unchanged=[("services/a/index.html", out / "services/a/index.html")],
        finish=finish,  # type: ignore[arg-type]
        finished_by=("pagefind/",),
    )


def test_a_first_build_appears_whole_with_nothing_left_beside_it(out: Path) -> None:
    assert {rel: (out / rel).read_bytes() for rel in OLD_SITE} == OLD_SITE
    assert oct(out.stat().st_mode & 0o777) == "0o755"
    assert leftovers(out) == []


def test_an_update_touches_only_what_changed(out: Path) -> None:
    before = snapshot(out)
    assert update(out) == len(NEW_FILES) + 1
    after = snapshot(out)
    files = {rel for rel, (what, _, _) in after.items() if what != "folder"}
    assert files == {*NEW_FILES, "services/a/index.html", "pagefind/entry.json"}
    assert {rel: (out / rel).read_bytes() for rel in NEW_FILES} == NEW_FILES
    # The unchanged page and the files the finishing step owns are the very same files.
    for rel in ("services/a/index.html", "pagefind/entry.json"):
        assert after[rel] == before[rel]
    assert "news" not in after  # its folders were left empty, so they went too
    assert leftovers(out) == []


def test_unchanged_files_stay_however_their_paths_are_written(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild names the files it keeps by the output folder as given: relative to the
    working folder or not, they are the site's own files and stay the very same files."""
    monkeypatch.chdir(out.parent)
    before = snapshot(out)
    kept = [
        (rel, Path(out.name) / rel if number % 2 else out / rel)
        for number, rel in enumerate(OLD_SITE)
    ]
    assert write_site(Path(out.name), [], [], unchanged=kept) == len(OLD_SITE)
    assert snapshot(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("when", ["while writing", "while finishing"])
def test_a_failed_update_leaves_the_output_exactly_as_it_was(out: Path, when: str) -> None:
    before = snapshot(out)

    def files():  # type: ignore[no-untyped-def]
        yield from NEW_FILES.items()
        if when == "while writing":
            raise RuntimeError("a page failed to render")

    def finish(update: SiteUpdate) -> None:
        made = update.scratch / "pagefind"
        made.mkdir()
        (made / "entry.json").write_bytes(b"new index")
        update.install("pagefind", made)
        raise OutputError("the search index is incomplete")

    with pytest.raises((RuntimeError, OutputError)):
        write_site(out, files(), [], finish=finish, finished_by=("pagefind/",))
    assert snapshot(out) == before
    assert leftovers(out) == []


def stop(update: SiteUpdate) -> None:
    raise OutputError("stop")


def test_a_failed_first_build_leaves_no_output(tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        write_site(tmp_path / "dist", OLD_SITE.items(), [], finish=stop)
    assert list(tmp_path.iterdir()) == []


KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from lo_static.write import write_site

out = Path(sys.argv[1])
files = {files!r}

def finish(update):
    os.kill(os.getpid(), signal.SIGKILL)

write_site(out, files.items(), [], finish=finish, finished_by=("pagefind/",))
"""


def kill_an_update(out: Path) -> None:
    """Update `out` in another process that is killed after writing, while it finishes."""
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD.format(files=NEW_FILES), str(out)],
        cwd=REPO,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL


def test_a_killed_update_is_undone_by_the_next_build(out: Path) -> None:
    before = snapshot(out)
    kill_an_update(out)
    assert (out / "services/c/index.html").exists()  # it was killed half way
    assert [name.split("-")[1] for name in leftovers(out)] == ["work"]
    # The next build first puts the old site back; here it fails too, so that site stays.
    with pytest.raises(OutputError):
        write_site(out, [], [], finish=stop)
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_log_cut_short_by_a_kill_is_still_undone(out: Path) -> None:
    before = snapshot(out)
    kill_an_update(out)
    [work] = leftovers(out)
    log = out.parent / work / "log"
    log.write_bytes(log.read_bytes() + b'["A", "serv')  # a line the kill cut in half
    with pytest.raises(OutputError):
        write_site(out, [], [], finish=stop)
    assert snapshot(out) == before


def test_a_stale_file_is_removed_and_a_copied_file_kept_when_the_same(out: Path) -> None:
    source = out.parent / "logo.svg"
    source.write_bytes(b"<svg/>")
    write_site(out, OLD_SITE.items(), [("logo.svg", source)])
    kept = (out / "logo.svg").stat()
    (out / "stale.html").write_bytes(b"left by hand")
    write_site(out, OLD_SITE.items(), [("logo.svg", source)])
    assert not (out / "stale.html").exists()
    assert (out / "logo.svg").stat().st_ino == kept.st_ino
    source.write_bytes(b"<svg>new</svg>")
    write_site(out, OLD_SITE.items(), [("logo.svg", source)])
    assert (out / "logo.svg").read_bytes() == b"<svg>new</svg>"


def test_an_output_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dist").write_bytes(b"a file")
    with pytest.raises(OutputError, match="is not a folder"):
        write_site(tmp_path / "dist", OLD_SITE.items(), [])
    assert (tmp_path / "dist").read_bytes() == b"a file"
    assert leftovers(tmp_path / "dist") == []


def test_another_outputs_leftovers_are_left_alone(out: Path) -> None:
    other = out.parent / ".dist-work-x-abcdefgh"  # not a name this output's builds use
    other.mkdir()
    write_site(out, OLD_SITE.items(), [])
    assert other.is_dir()
    os.rmdir(other)


def test_an_installed_folder_keeps_the_files_that_did_not_change(out: Path) -> None:
    (out / "pagefind/same.bin").write_bytes(b"unchanged index chunk")
    write_site(out, OLD_SITE.items(), [], finished_by=("pagefind/",))
    before = snapshot(out)

    def finish(update: SiteUpdate) -> None:
        made = update.scratch / "pagefind"
        made.mkdir()
        (made / "entry.json").write_bytes(b'{"new": true}')
        (made / "same.bin").write_bytes(b"unchanged index chunk")
        update.install("pagefind", made)

    write_site(out, OLD_SITE.items(), [], finish=finish, finished_by=("pagefind/",))
    after = snapshot(out)
    assert after["pagefind/same.bin"] == before["pagefind/same.bin"]  # the very same file
    assert (out / "pagefind/entry.json").read_bytes() == b'{"new": true}'
    # Undone, the old folder comes back whole, the kept file included.
    with pytest.raises(OutputError):
        write_site(
            out, OLD_SITE.items(), [], finish=lambda u: (finish(u), stop(u)),
            finished_by=("pagefind/",),
        )
    assert snapshot(out) == after


def test_an_update_does_not_list_the_files_of_folders_its_finishing_step_replaces(
    out: Path,
) -> None:
    """The search index's thousands of files are never stale (the finishing step replaces
    the folder whole), so a rebuild does not list them; the site's other files it does."""
    (out / "pagefind/fragment").mkdir()
    (out / "pagefind/fragment/one.pf_fragment").write_bytes(b"chunk")
    site_files = {rel for rel in OLD_SITE if not rel.startswith("pagefind/")}
    update = SiteUpdate.begin(out)
    try:
        assert update.existing(("pagefind/",)) == site_files
        assert update.existing() == site_files | {
            "pagefind/entry.json", "pagefind/fragment/one.pf_fragment"
        }
    finally:
        update.rollback()
    assert leftovers(out) == []


def test_a_first_build_writes_files_as_open_would(tmp_path: Path) -> None:
    """A first build writes its files through the os module (see SiteUpdate.write): the same
    bytes, folders and permissions as `open(path, "wb")` gives, at any depth and size."""
    out = tmp_path / "out"
    files = {
        "index.html": b"<p>home</p>",
        "services/a/index.html": b"<p>a, the first time</p>",
        "services/b/index.html": b"",
        "openreferral/services/big.json": bytes(range(256)) * 40_000,  # 10 MB
    }
    update = SiteUpdate.begin(out)
    assert update.fresh
    for rel, data in files.items():
        update.write(rel, data)
    update.write("services/a/index.html", b"<p>a</p>")  # replaced, not added to
    update.commit()
    files["services/a/index.html"] = b"<p>a</p>"
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert written == files
    reference = tmp_path / "reference"
    reference.write_bytes(b"x")
    modes = {(out / rel).stat().st_mode for rel in files}
    assert modes == {reference.stat().st_mode}
