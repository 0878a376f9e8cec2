"""Write the rendered site atomically: into a temporary folder beside the output, then swap.

A failed build never touches the previous output; a reader of `dist/` sees either the old site
or the new one, never half of each.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import OutputError


def write_site(
    out_dir: Path,
    files: Iterable[tuple[str, bytes]],
    copies: Iterable[tuple[str, Path]],
    progress: Callable[[int], None] = lambda n: None,
    finish: Callable[[Path], None] | None = None,
    unchanged: Iterable[tuple[str, Path]] = (),
) -> int:
    """Write `files` (output path, bytes) and `copies` (output path, source) as `out_dir`.

    `unchanged` files (output path, the previous site's copy) are hard-linked, which is much
    quicker than writing them again; the previous site is removed after the swap, so the files
    are then the new site's alone.

    `finish`, if given, completes and inspects the new site (search index, accessibility
    checks) before it is swapped in, and may raise to stop it (the previous output then
    stays). Returns how many files were written. Raises OutputError if the folder cannot be
    replaced.
    """
    out_dir = out_dir.absolute()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=parent))
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot create the output folder: {error.strerror}") from None
    made: set[Path] = {staging}

    def folder_for(target: Path) -> None:
        """Make the target's folder once (a site has thousands; each call is a system call)."""
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.update(target.parent.parents)
            made.add(target.parent)

    try:
        count = 0
        for rel, data in files:
            target = staging / rel
            folder_for(target)
            target.write_bytes(data)
            count += 1
            progress(1)
        for rel, source in copies:
            target = staging / rel
            folder_for(target)
            shutil.copyfile(source, target)
            count += 1
            progress(1)
        for rel, source in unchanged:
            target = staging / rel
            folder_for(target)
            try:
                os.link(source, target)
            except OSError:  # another filesystem, or links not allowed: copy instead
                shutil.copyfile(source, target)
            count += 1
            progress(1)
        os.chmod(staging, 0o755)
        if finish is not None:
            finish(staging)
        _swap(staging, out_dir)
        return count
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` with `staging` using renames (atomic on one filesystem)."""
    old: Path | None = None
    try:
        if out_dir.exists() or out_dir.is_symlink():
            if not out_dir.is_dir() or out_dir.is_symlink():
                raise OutputError(f"{out_dir}: exists and is not a folder; choose another --out")
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
            old.rmdir()
            out_dir.rename(old)
        staging.rename(out_dir)
    except OSError as error:
        if old is not None and not out_dir.exists():
            old.rename(out_dir)  # put the previous site back
        raise OutputError(
            f"{out_dir}: cannot replace the output folder: {error.strerror}"
        ) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
