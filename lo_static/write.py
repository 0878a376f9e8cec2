"""Write the rendered site into the output folder so that a failed build changes nothing in it.

A first build writes into a new folder beside the output and renames it into place, so nobody
ever sees half a site. Later builds update the output in place and touch only what changed (a
rebuild of a large Local Offer changes a handful of its thousands of files; building and
deleting a whole copy of the site took longer than the rest of such a rebuild). Every file or
folder an update replaces or removes is first moved into a work folder beside the output, and
everything it adds is logged there before it is made, so a build that fails is undone exactly:
the previous site is back byte for byte, with the same file times. A build that was killed is
undone the same way by the next one, before it starts.

While an update runs, a reader of the output may see some pages new and some old: publish the
output after the build has ended (as the publishing workflow does), never while it runs.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import OutputError

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
"""How `SiteUpdate.write` opens a file, as `open(path, "wb")` does."""

LOG = "log"
"""In a work folder: one JSON line per change: ["A", rel] (added), ["B", rel] (moved aside) or
["F", rel] (an empty folder removed)."""
OLD = "old"
"""In a work folder: what the update moved aside, at the same relative paths."""
NEW = "new"
"""In a work folder: files and folders made whole before they are moved into the site."""


class SiteUpdate:
    """Changes to a site folder that are undone unless committed. Use `SiteUpdate.begin`."""

    def __init__(self, out_dir: Path, site: Path, work: Path, fresh: bool, lock: int) -> None:
        self.out_dir = out_dir
        self.site = site
        """The folder the changes go into: the output itself, or a new folder for a first build."""
        self.fresh = fresh
        """A first build: `site` is a new folder that becomes the output when committed."""
        self.changed: set[str] = set()
        """Every file or folder written, replaced or removed (relative to `site`)."""
        self.scratch = work / NEW
        """Where to make a file or folder whole before `install` moves it into the site."""
        self.scratch.mkdir()
        self._work = work
        self._lock = lock
        self._ended = False
        self._log: IO[str] | None = None if fresh else (work / LOG).open("a", encoding="utf-8")
        self._folders: set[Path] = {site}
        self._site_text = os.fspath(site)
        self._found_folders: set[str] = set()
        """Folders known to be real folders: those `existing` found, and those a first build's
        `write` has made (relative paths: cheaper to note than paths)."""
        self._saved_folders: set[Path] = {work / OLD}
        self._saved: set[str] = set()
        """What was moved aside (relative paths)."""
        (work / OLD).mkdir()

    @classmethod
    def begin(cls, out_dir: Path) -> SiteUpdate:
        """Start changing `out_dir` (made when the build commits, if it does not exist yet).

        Waits while another build writes beside it, and first undoes what a killed build left.
        Raises OutputError if the output is not a folder or cannot be written."""
        out_dir = out_dir.absolute()
        parent = out_dir.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            lock = os.open(parent, os.O_RDONLY)
        except OSError as error:
            raise OutputError(
                f"{out_dir}: cannot create the output folder: {error.strerror}"
            ) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            recover(out_dir)
            info = _lstat(out_dir)
            if info is not None and not stat.S_ISDIR(info.st_mode):
                raise OutputError(f"{out_dir}: exists and is not a folder; choose another --out")
            work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-work-", dir=parent))
            if info is None:
                site = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=parent))
                os.chmod(site, 0o755)
                return cls(out_dir, site, work, True, lock)
            return cls(out_dir, out_dir, work, False, lock)
        except OSError as error:
            os.close(lock)
            raise OutputError(f"{out_dir}: cannot write the output: {error.strerror}") from None
        except BaseException:
            os.close(lock)
            raise

    # --- changes ---------------------------------------------------------------------------------

    def write(self, rel: str, data: bytes) -> None:
        """Write `data` as `rel`, replacing what is there."""
        if not self.fresh:
            self._prepare(rel).write_bytes(data)
            return
        # A first build writes every one of the site's files (10,000 at 5,000 services) into a
        # folder of its own, where nothing needs moving aside: with text paths and the os
        # module, not a Path and a buffered file each, which cost as much as the writing.
        folder = rel.rpartition("/")[0]
        if folder not in self._found_folders:
            self._folder(self.site / folder)
            self._found_folders.add(folder)
        self.changed.add(rel)
        fd = os.open(f"{self._site_text}/{rel}", _NEW_FILE, 0o666)
        try:
            with memoryview(data) as view:
                done = 0
                while done < len(view):
                    done += os.write(fd, view[done:])
        finally:
            os.close(fd)

    def copy(self, rel: str, source: Path) -> None:
        """Copy the file `source` as `rel`."""
        shutil.copyfile(source, self._prepare(rel))

    def link(self, rel: str, source: str | Path) -> None:
        """Hard-link the file `source` as `rel` (copy it where links are not possible)."""
        target = self._prepare(rel)
        try:
            os.link(source, target)
        except OSError:  # another filesystem, or links not allowed
            shutil.copyfile(source, target)

    def install(self, rel: str, made: Path) -> None:
        """Move `made` (a file or folder made in `scratch`) into the site as `rel`.

        A folder's files that are byte for byte the files already at the same places in the
        site stay those very files (same inode and times), so that what reads the site next
        (the offline zip) can tell, without reading them, that they did not change."""
        old = self.site / rel
        if made.is_dir() and not made.is_symlink() and old.is_dir() and not old.is_symlink():
            _keep_unchanged(made, old)
        os.rename(made, self._prepare(rel))

    def remove(self, rel: str) -> None:
        """Remove the file or folder `rel` (it is kept aside until the update is committed)."""
        if _lstat(self.site / rel) is not None:
            self._save(rel)
            self.changed.add(rel)

    def remove_folder(self, rel: str) -> None:
        """Remove the empty folder `rel` (made again if the update is undone)."""
        path = self.site / rel
        if not self.fresh:
            self._note("F", rel)
        path.rmdir()
        self._folders.discard(path)  # empty: no folder in it to forget
        self._found_folders.discard(rel)
        self.changed.add(rel)

    def _prepare(self, rel: str) -> Path:
        """Make way for a new `rel`: its folder made, whatever was there moved aside."""
        target = self.site / rel
        self._folder(target.parent)
        if not self.fresh:
            if _lstat(target) is not None:
                self._save(rel)
            self._note("A", rel)
        self.changed.add(rel)
        return target

    def _folder(self, folder: Path) -> None:
        """Make `folder` (and its parents) a real folder, moving aside a file in the way."""
        if folder in self._folders:
            return
        if folder.relative_to(self.site).as_posix() in self._found_folders:
            self._folders.add(folder)
            return
        self._folder(folder.parent)
        if self.fresh:
            folder.mkdir(exist_ok=True)
        else:
            info = _lstat(folder)
            if info is None or not stat.S_ISDIR(info.st_mode):
                rel = folder.relative_to(self.site).as_posix()
                if info is not None:
                    self._save(rel)
                self._note("A", rel)
                folder.mkdir()
        self._folders.add(folder)

    def _save(self, rel: str) -> None:
        """Move `rel` out of the site into the work folder."""
        kept = self._work / OLD / rel
        path = self.site / rel
        parts = rel.split("/")
        if any("/".join(parts[:n]) in self._saved for n in range(1, len(parts) + 1)):
            # What was there first is kept already; this is what the update put there since
            # (logged as added), so it can simply go.
            _delete(path)
            self._forget_folder(path)
            return
        if _lstat(kept) is not None:
            # A folder some of whose files were moved aside already: move the rest one by one.
            with os.scandir(path) as entries:
                names = [entry.name for entry in entries]
            for name in names:
                self._save(f"{rel}/{name}")
            self.remove_folder(rel)
            return
        if kept.parent not in self._saved_folders:
            kept.parent.mkdir(parents=True, exist_ok=True)
            self._saved_folders.update([kept.parent, *kept.parent.parents])
        self._note("B", rel)
        os.rename(path, kept)
        self._saved.add(rel)
        self._forget_folder(path)

    def _forget_folder(self, path: Path) -> None:
        """`path` is no longer in the site: if it was a folder, neither are those in it."""
        if path in self._folders:
            self._folders = {f for f in self._folders if f != path and path not in f.parents}
        rel = path.relative_to(self.site).as_posix()
        if rel in self._found_folders:
            inside = rel + "/"
            self._found_folders = {
                f for f in self._found_folders if f != rel and not f.startswith(inside)
            }

    def _note(self, change: str, rel: str) -> None:
        """Log a change before making it, so that even a killed build can be undone."""
        assert self._log is not None
        self._log.write(json.dumps([change, rel]) + "\n")
        self._log.flush()

    def existing(self, unlisted: tuple[str, ...] = ()) -> set[str]:
        """The files the site holds now (relative paths), but none inside the folders
        `unlisted` names (relative paths ending in "/"). Its folders are noted as real folders,
        so writing into them needs no more checks."""
        files: set[str] = set()
        if self.fresh:
            return files

        def scan(folder: str, prefix: str) -> None:
            with os.scandir(folder) as entries:
                for entry in entries:
                    rel = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        self._found_folders.add(rel)
                        if rel + "/" not in unlisted:
                            scan(entry.path, rel + "/")
                    else:
                        files.add(rel)

        scan(str(self.site), "")
        return files

    # --- ending ----------------------------------------------------------------------------------

    def commit(self) -> None:
        """Keep the changes: a first build's folder becomes the output; the work folder goes."""
        try:
            if self.fresh:
                if _lstat(self.out_dir) is not None:
                    raise OutputError(f"{self.out_dir}: appeared during the build; build again")
                self.site.rename(self.out_dir)
            else:
                assert self._log is not None
                self._log.close()
                # Renamed first: from here on, nothing undoes this update.
                done = self._work.with_name(self._work.name.replace("-work-", "-done-"))
                self._work.rename(done)
                self._work = done
        except OSError as error:
            self.rollback()
            raise OutputError(
                f"{self.out_dir}: cannot replace the output folder: {error.strerror}"
            ) from None
        shutil.rmtree(self._work, ignore_errors=True)
        self._end()

    def rollback(self) -> None:
        """Undo every change: the output is as it was before `begin`."""
        if self._ended:
            return
        if self.fresh:
            shutil.rmtree(self.site, ignore_errors=True)
            shutil.rmtree(self._work, ignore_errors=True)
        else:
            if self._log is not None:
                self._log.close()
            undo(self._work, self.out_dir)
        self._end()

    def _end(self) -> None:
        self._ended = True
        os.close(self._lock)


def undo(work: Path, site: Path) -> None:
    """Undo the update logged in `work` (newest change first), then delete `work`."""
    try:
        lines = (work / LOG).read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in reversed(lines):
        try:
            change, rel = json.loads(line)
        except ValueError:  # the last line, cut short when the build was killed
            continue
        target = site / rel
        if change == "A":
            _delete(target)
        elif change == "B" and _lstat(work / OLD / rel) is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(work / OLD / rel, target)
        elif change == "F":
            target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work, ignore_errors=True)


def recover(out_dir: Path) -> None:
    """Undo the updates of builds into `out_dir` that were killed, and delete their leftovers."""
    leftover = re.compile(rf"\.{re.escape(out_dir.name)}-(work|new|done|old)-[a-z0-9_]{{8}}")
    for path in sorted(out_dir.parent.iterdir()):
        if (found := leftover.fullmatch(path.name)) is None:
            continue
        if found[1] == "work":
            undo(path, out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)


def write_site(
    out_dir: Path,
    files: Iterable[tuple[str, bytes]],
    copies: Iterable[tuple[str, Path]],
    progress: Callable[[int], None] = lambda n: None,
    finish: Callable[[SiteUpdate], None] | None = None,
    unchanged: Iterable[tuple[str, str | Path]] = (),
    finished_by: tuple[str, ...] = (),
) -> int:
    """Make `out_dir` hold exactly the new site: `files` (output path, bytes), `copies` (output
    path, source file) and `unchanged` files (output path, the previous site's copy, hard-linked
    when it is not already in place), and nothing else.

    `finish`, if given, completes and inspects the new site (search index, accessibility
    checks) through the update before it is committed, and may raise to stop it: the previous
    output then stays as it was. Files under `finished_by` (relative paths or folder prefixes
    ending in "/") are `finish`'s to replace and are not removed as stale. Returns how many
    files the new site has from `files`, `copies` and `unchanged`. Raises OutputError if the
    output cannot be written.
    """
    update = SiteUpdate.begin(out_dir)
    try:
        with _output_errors(update.out_dir):
            # A folder `finish` replaces is not looked into: its files are never stale (the
            # search index's 5,000 files at 5,000 services).
            stale = update.existing(tuple(rel for rel in finished_by if rel.endswith("/")))
            count = 0
            for rel, data in files:
                update.write(rel, data)
                stale.discard(rel)
                count += 1
                progress(1)
            for rel, source in copies:
                if rel not in stale or not _same_bytes(source, update.site / rel):
                    update.copy(rel, source)
                stale.discard(rel)
                count += 1
                progress(1)
            here = _Here(update.site)
            for rel, source in unchanged:
                if rel not in stale or not here.holds(rel, source):
                    update.link(rel, source)
                stale.discard(rel)
                count += 1
                progress(1)
            # Stale files go, but not where the new site now has a folder (or sits inside a
            # path that is now a file, and so went already).
            removed = [
                rel
                for rel in sorted(stale)
                if not rel.startswith(finished_by)
                and (info := _lstat(update.site / rel)) is not None
                and not stat.S_ISDIR(info.st_mode)
            ]
            for rel in removed:
                update.remove(rel)
            _remove_empty_folders(update, removed)
            if finish is not None:
                finish(update)
        update.commit()
        return count
    except BaseException:
        update.rollback()
        raise


class _Here:
    """Whether a file to keep is the site's own file at its place: asked of every unchanged
    page of a rebuild, where making and comparing Path objects took a tenth of a second at
    5,000 services. The text of the paths answers almost always; Path's rules the rest."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.prefix = f"{site}/"
        self.cwd = os.getcwd()

    def holds(self, rel: str, source: str | Path) -> bool:
        path = os.fspath(source)
        if not path.startswith("/"):
            path = f"{self.cwd}/{path}"
        if path == self.prefix + rel:
            return True
        return Path(source).absolute() == self.site / rel


def _remove_empty_folders(update: SiteUpdate, removed: list[str]) -> None:
    """Remove the folders that removing the stale files `removed` left empty: each folder
    that held one, and its parents, deepest first (so a parent is looked at once its folders
    have gone)."""
    candidates: set[str] = set()
    for rel in removed:
        while "/" in rel:
            rel = rel.rpartition("/")[0]
            if rel in candidates:
                break
            candidates.add(rel)
    for rel in sorted(candidates, key=lambda rel: rel.count("/"), reverse=True):
        try:
            with os.scandir(update.site / rel) as entries:
                empty = next(entries, None) is None
        except OSError:
            continue
        if empty:
            update.remove_folder(rel)


@contextmanager
def _output_errors(out_dir: Path) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot write the site: {error.strerror}") from None


def _same_bytes(source: Path, target: Path) -> bool:
    try:
        if source.stat().st_size != target.stat().st_size:
            return False
        return source.read_bytes() == target.read_bytes()
    except OSError:
        return False


def _keep_unchanged(made: Path, old: Path) -> None:
    """Swap each file under `made` that has the same bytes as its counterpart under `old` for a
    hard link to that one."""
    for folder, _folders, names in os.walk(made):
        relative = os.path.relpath(folder, made)
        for name in names:
            new_file = os.path.join(folder, name)
            old_file = os.path.normpath(os.path.join(old, relative, name))
            regular = os.path.isfile(old_file) and not os.path.islink(old_file)
            if not regular or not _same_bytes(Path(old_file), Path(new_file)):
                continue
            try:
                linked = new_file + ".same"
                os.link(old_file, linked)
                os.replace(linked, new_file)
            except OSError:
                continue  # keep the new file


def _delete(path: Path) -> None:
    """Delete the file or folder at `path`, if there is one."""
    info = _lstat(path)
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(path)
        else:
            path.unlink()


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_files(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write each file into `out_dir`, leaving its other files alone. Each file is replaced
    atomically (written beside its target, then renamed), so a reader never sees half a file."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            handle, temporary = tempfile.mkstemp(prefix=f".{name}-", dir=out_dir)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                os.chmod(temporary, 0o644)
                os.replace(temporary, out_dir / name)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot write the files: {error.strerror}") from None
