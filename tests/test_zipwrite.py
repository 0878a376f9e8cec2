"""The offline zip's writer: what it writes, the standard library (and unzip) read back."""

from __future__ import annotations

import gzip
import random
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from lo_static.zipwrite import BLOCK, DEFLATED, STORED, compress, read_entries, write_zip


def test_entries_read_back_exactly(tmp_path: Path) -> None:
    files = {
        "local-offer/index.html": b"<p>Hello</p>" * 500,
        "local-offer/images/x.png": bytes(range(256)),  # incompressible: stored
        "local-offer/empty.txt": b"",
        "local-offer/caf\u00e9/menu.html": "Caf\u00e9 \u2013 menu".encode(),
    }
    target = tmp_path / "site.zip"
    size = write_zip(target, [(name, compress(data)) for name, data in files.items()])
    assert size == target.stat().st_size
    with zipfile.ZipFile(target) as bundle:
        assert bundle.testzip() is None
        assert bundle.namelist() == list(files)
        assert {name: bundle.read(name) for name in files} == files
        methods = {info.filename: info.compress_type for info in bundle.infolist()}
        assert methods["local-offer/index.html"] == DEFLATED
        assert methods["local-offer/images/x.png"] == STORED
        assert all(info.date_time == (2000, 1, 1, 0, 0, 0) for info in bundle.infolist())
        assert all(info.external_attr >> 16 == 0o100644 for info in bundle.infolist())
    if shutil.which("unzip"):
        checked = subprocess.run(["unzip", "-tq", str(target)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_files_compressed_already_are_stored_without_deflating_again(tmp_path: Path) -> None:
    """Pagefind's fragments are gzip files; deflating them again saves nothing but costs time.
    A gzip of repetitive text would still shrink if deflated again, so only the test of how it
    begins keeps it stored."""
    gzipped = gzip.compress(b"a" * 100_000, compresslevel=1)
    again = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert len(again.compress(gzipped) + again.flush()) < len(gzipped)
    entry = compress(gzipped)
    assert (entry.method, entry.data, entry.size) == (STORED, gzipped, len(gzipped))
    target = tmp_path / "site.zip"
    write_zip(target, [("local-offer/pagefind/fragment/en_1.pf_fragment", entry)])
    with zipfile.ZipFile(target) as bundle:
        assert bundle.testzip() is None
        assert bundle.read("local-offer/pagefind/fragment/en_1.pf_fragment") == gzipped
    assert compress(b"\x1f" + b"a" * 1000).method == DEFLATED  # one byte of the sign is not it


@pytest.mark.parametrize("size", [2 * BLOCK + 1, 3 * BLOCK, 5 * BLOCK + 12345])
def test_a_large_file_deflated_in_blocks_reads_back_and_packs_as_well(
    tmp_path: Path, size: int
) -> None:
    """Blocks deflated in parallel join into one stream; each starts from the text before it,
    so a repeat across a block's edge still compresses."""
    pattern = random.Random(size).randbytes(20_000)  # only its repeats compress
    data = (pattern * (size // len(pattern) + 1))[:size]
    entry = compress(data)
    whole = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert len(entry.data) <= 1.01 * len(whole.compress(data) + whole.flush())
    target = tmp_path / "big.zip"
    write_zip(target, [("local-offer/api/big.json", entry)])
    with zipfile.ZipFile(target) as bundle:
        assert bundle.testzip() is None
        assert bundle.read("local-offer/api/big.json") == data


def test_the_same_files_give_the_same_zip(tmp_path: Path) -> None:
    entries = [(f"f{n}.txt", compress(str(n).encode() * 100)) for n in range(50)]
    write_zip(tmp_path / "a.zip", entries)
    write_zip(tmp_path / "b.zip", entries)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


@pytest.mark.parametrize("count", [65_535, 65_536 + 100])
def test_more_entries_than_a_plain_zip_can_count(tmp_path: Path, count: int) -> None:
    """A 20,000-service site has more files than the 65,535 a zip without ZIP64 can list."""
    entry = compress(b"x")
    target = tmp_path / "many.zip"
    write_zip(target, [(f"p/{n}", entry) for n in range(count)])
    with zipfile.ZipFile(target) as bundle:
        names = bundle.namelist()
        assert len(names) == count
        assert names[-1] == f"p/{count - 1}"
        assert bundle.read(names[-1]) == b"x"


def test_entries_are_read_back_as_stored(tmp_path: Path) -> None:
    """The next build copies unchanged files' compressed bytes out of the last zip."""
    entries = [
        ("local-offer/index.html", compress(b"<p>Hello</p>" * 500)),
        ("local-offer/x.png", compress(bytes(range(256)))),
        ("local-offer/empty.txt", compress(b"")),
    ]
    write_zip(tmp_path / "site.zip", entries)
    assert read_entries(tmp_path / "site.zip") == dict(entries)


@pytest.mark.parametrize("damage", ["missing", "not a zip", "cut short"])
def test_a_damaged_zip_gives_no_entries(tmp_path: Path, damage: str) -> None:
    target = tmp_path / "site.zip"
    noise = bytes(range(256)) * 40  # stored as it is
    write_zip(target, [(f"local-offer/{n}.bin", compress(noise)) for n in range(3)])
    if damage == "missing":
        target.unlink()
    elif damage == "not a zip":
        target.write_bytes(b"PK but not really")
    else:  # the middle lost: entries no longer where the directory says
        data = target.read_bytes()
        target.write_bytes(data[:100] + data[len(noise) + 200 :])
    assert read_entries(target) == {}
