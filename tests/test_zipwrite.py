"""The offline zip's writer: what it writes, the standard library (and unzip) read back."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import subprocess
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from zlib_ng import zlib_ng

from lo_static.parallel import fork_map
from lo_static.zipwrite import (
    BLOCK,
    DEFLATED,
    STORED,
    Compressed,
    Earlier,
    EntryFiles,
    FileBytes,
    Kept,
    Placed,
    ZipSource,
    ZipWriter,
    compress,
    compress_in_pieces,
    deflate_in_blocks,
    read_entries,
    write_zip,
)


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
    so a repeat across a block's edge still compresses as well as in one stream of the same
    deflater (zlib-ng)."""
    pattern = random.Random(size).randbytes(20_000)  # only its repeats compress
    data = (pattern * (size // len(pattern) + 1))[:size]
    entry = compress(data)
    whole = zlib_ng.compressobj(6, zlib_ng.DEFLATED, -15)
    assert len(entry.data) <= 1.01 * len(whole.compress(data) + whole.flush())
    target = tmp_path / "big.zip"
    write_zip(target, [("local-offer/api/big.json", entry)])
    with zipfile.ZipFile(target) as bundle:
        assert bundle.testzip() is None
        assert bundle.read("local-offer/api/big.json") == data


def _inflate(entry: Compressed) -> bytes:
    return zlib.decompress(bytes(entry.data), -15) if entry.method == DEFLATED else entry.data


def _text(size: int, seed: int) -> bytes:
    words = [b"short", b"breaks", b"service", b"family", b"support", b"school", b"{", b"},\n"]
    pick = random.Random(seed).choice
    return b" ".join(pick(words) for _ in range(size // 6))[:size]


EDITS = {
    "insert in the middle": lambda d: d[: len(d) // 2] + b"A new sentence. " + d[len(d) // 2 :],
    "delete near the start": lambda d: d[:100] + d[5000:],
    "replace near the end": lambda d: d[:-40_000] + b"X" * 39_000 + d[-1_000:],
    "append": lambda d: d + _text(300_000, 9),
    "cut the end": lambda d: d[: len(d) - 1_500_000],
    "grow past a piece": lambda d: d[:2_000_000] + _text(1_700_000, 8) + d[2_000_000:],
    "no change": lambda d: d,
}


def test_a_large_file_edited_again_and_again_reuses_what_did_not_change() -> None:
    """Each edit deflates only the pieces that changed (or whose 32 KiB before changed); the
    stream always inflates to exactly the new bytes and packs as well as deflating afresh."""
    data = _text(6 * BLOCK + 777, 1)
    entry, blocks = deflate_in_blocks(data)
    for name, edit in EDITS.items():
        before = len(blocks)
        data = edit(data)
        earlier = Earlier(blocks, entry.size, entry.data)
        entry, blocks = deflate_in_blocks(data, earlier=earlier)
        assert _inflate(entry) == data, name
        assert entry.crc == zlib.crc32(data), name
        fresh = len({b.digest for b in blocks} - {b.digest for b in earlier.blocks})
        assert fresh <= (0 if name == "no change" else 3), (name, fresh, before, len(blocks))
        assert len(entry.data) <= 1.01 * len(compress(data).data), name
        assert [b.start for b in blocks] == sorted(b.start for b in blocks)
        assert sum(b.length for b in blocks) == len(data)
    # Many small edits all over the file leave it in pieces of about BLOCK bytes.
    place = random.Random(3).randrange
    for _ in range(40):
        at = place(len(data))
        data = data[:at] + b"x" * place(100) + data[at + place(100) :]
        entry, blocks = deflate_in_blocks(data, earlier=Earlier(blocks, entry.size, entry.data))
    # And a large cut from one piece: what is left of it goes with the piece after it.
    middle = blocks[len(blocks) // 2]
    data = data[: middle.start + 1_000] + data[middle.start + 1_000 + 2 * BLOCK // 3 :]
    entry, blocks = deflate_in_blocks(data, earlier=Earlier(blocks, entry.size, entry.data))
    assert _inflate(entry) == data
    assert all(BLOCK // 2 <= b.length <= 2 * BLOCK for b in blocks), [b.length for b in blocks]


def test_a_large_file_read_piece_by_piece_packs_as_its_bytes_do(tmp_path: Path) -> None:
    """The offline zip reads a large file a block at a time (`FileBytes`) rather than holding
    it: the entry and its pieces are the same as from the bytes, edit after edit; a large file
    compressed already, or one deflate cannot shrink, is stored whole."""
    path = tmp_path / "services.json"

    def from_file(data: bytes, earlier: Earlier | None) -> tuple[Compressed, tuple]:
        path.write_bytes(data)
        fd = os.open(path, os.O_RDONLY)
        try:
            return compress_in_pieces(FileBytes(fd, len(data)), earlier=earlier)
        finally:
            os.close(fd)

    data = _text(5 * BLOCK + 321, 5)
    entry, blocks = from_file(data, None)
    assert (entry, blocks) == compress_in_pieces(data)
    for name, edit in EDITS.items():
        earlier = Earlier(blocks, entry.size, entry.data)
        data = edit(data)
        entry, blocks = from_file(data, earlier)
        assert (entry, blocks) == compress_in_pieces(data, earlier=earlier), name
        assert _inflate(entry) == data and entry.crc == zlib.crc32(data), name
    for stored in (gzip.compress(_text(3 * BLOCK, 6)), random.Random(7).randbytes(3 * BLOCK)):
        entry, blocks = from_file(stored, None)
        assert (entry.method, bytes(entry.data), blocks) == (STORED, stored, ())
        assert entry.crc == zlib.crc32(stored)


def test_repeating_bytes_are_not_reused_twice() -> None:
    """In bytes that repeat, a piece moved by a whole period looks unchanged at its new place
    while it also overlaps the pieces kept at the start: it must not be used twice."""
    period = random.Random(4).randbytes(1_000)
    data = period * (5 * BLOCK // 1_000)
    entry, blocks = deflate_in_blocks(data)
    shorter = data[:-1_000]
    again, _ = deflate_in_blocks(shorter, earlier=Earlier(blocks, entry.size, entry.data))
    assert _inflate(again) == shorter


def test_pieces_that_look_unchanged_but_follow_a_change_are_deflated_again() -> None:
    """A piece's deflated bytes refer back into the 32 KiB before it: when only those changed,
    the piece is deflated again, or it would inflate to the old text."""
    data = _text(4 * BLOCK, 2)
    entry, blocks = deflate_in_blocks(data)
    edited = bytearray(data)
    edited[2 * BLOCK - 10] ^= 0x20  # just before the third piece starts
    edited = bytes(edited)
    again, new_blocks = deflate_in_blocks(edited, earlier=Earlier(blocks, entry.size, entry.data))
    assert _inflate(again) == edited
    assert [b.digest == old.digest for b, old in zip(new_blocks, blocks, strict=True)] == [
        True, False, False, True  # the second piece changed; the third starts 10 bytes later
    ]


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
    placed: dict[str, Placed] = {}
    write_zip(tmp_path / "site.zip", entries, placed)
    assert read_entries(tmp_path / "site.zip") == dict(entries)
    # Where write_zip put them, the next build finds them without reading the directory.
    assert list(placed) == [name for name, _ in entries]
    assert found_at(tmp_path / "site.zip", placed) == dict(entries)


def found_at(path: Path, placed: dict[str, Placed]) -> dict[str, Compressed]:
    """The entries of the zip at `path` found where `placed` records them."""
    with ZipSource(path) as source:
        found = {name: source.entry(name, where) for name, where in placed.items()}
    return {name: entry for name, entry in found.items() if entry is not None}


def test_entries_are_not_taken_from_a_different_zip(tmp_path: Path) -> None:
    placed: dict[str, Placed] = {}
    write_zip(tmp_path / "site.zip", [("local-offer/a.html", compress(b"a" * 100))], placed)
    assert found_at(tmp_path / "missing.zip", placed) == {}
    (tmp_path / "empty.zip").write_bytes(b"")
    assert found_at(tmp_path / "empty.zip", placed) == {}
    write_zip(tmp_path / "site.zip", [("local-offer/longer-name.html", compress(b"a" * 100))])
    assert found_at(tmp_path / "site.zip", placed) == {}  # no entry header where recorded
    write_zip(tmp_path / "site.zip", [])
    assert found_at(tmp_path / "site.zip", placed) == {}  # shorter than recorded


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


def test_a_zip_that_fails_part_way_leaves_the_last_one_as_it_was(tmp_path: Path) -> None:
    """The new zip is written beside the last one, whose entries it may be copying."""
    target = tmp_path / "site.zip"
    write_zip(target, [("local-offer/a.html", compress(b"a" * 100))])
    before = target.read_bytes()
    old = read_entries(target)
    with pytest.raises(RuntimeError), ZipWriter(target) as writer:
        writer.add("local-offer/a.html", old["local-offer/a.html"])
        raise RuntimeError("a file could not be read")
    assert target.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site.zip"]
    with ZipWriter(target) as writer:  # copying entries out of the zip it replaces
        writer.add("local-offer/a.html", old["local-offer/a.html"])
        writer.add("local-offer/b.html", compress(b"b" * 100))
    with zipfile.ZipFile(target) as bundle:
        assert bundle.read("local-offer/a.html") == b"a" * 100
        assert writer.size == target.stat().st_size


def test_entries_kept_by_worker_processes_read_back_in_this_one(tmp_path: Path) -> None:
    """Each process keeps what it compressed in a file of its own (they never write over each
    other's), and the process writing the zip reads every entry back as it was."""
    data = [(f"<p>Page {n}</p>\n" * (n % 50 + 1)).encode() for n in range(300)]
    entries = EntryFiles(tmp_path)

    def keep(n: int) -> Kept:
        time.sleep(0.002)  # so that both workers get some
        return entries.put(compress(data[n]))

    kept = list(fork_map(keep, len(data), 2, chunk=10))
    assert len({where[3] for where in kept}) == 2  # written by two processes
    assert os.getpid() not in {where[3] for where in kept}
    for n, where in enumerate(kept):
        assert entries.get(where) == compress(data[n])
    here = entries.put(compress(b"<p>Home</p>" * 99))
    assert entries.get(here) == compress(b"<p>Home</p>" * 99)
    entries.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        str(pid) for pid in {where[3] for where in [*kept, here]}
    )
    with pytest.raises(OSError, match="cut short"):
        EntryFiles(tmp_path).get((*here[:5], here[5] + 1))


def _source_zip(tmp_path: Path) -> tuple[Path, list[tuple[str, Compressed]], dict[str, Placed]]:
    """A zip of five entries (one stored, one empty) with the record of where they went."""
    entries = [
        ("local-offer/a.html", compress(b"<p>A</p>" * 300)),
        ("local-offer/b.png", compress(bytes(range(256)))),
        ("local-offer/c.txt", compress(b"")),
        ("local-offer/caf\u00e9.html", compress("Caf\u00e9 \u2013 menu".encode() * 40)),
        ("local-offer/e.html", compress(b"<p>E</p>" * 900)),
    ]
    placed: dict[str, Placed] = {}
    write_zip(tmp_path / "last.zip", entries, placed)
    return tmp_path / "last.zip", entries, placed


def _copied(
    target: Path, plan: list[tuple[str, Compressed | None]], placed_before: dict[str, Placed],
    source_path: Path,
) -> tuple[dict[str, Placed], list[bool]]:
    """Write `target` from `plan`: entries with bytes are added, the others copied."""
    placed: dict[str, Placed] = {}
    done: list[bool] = []
    with ZipSource(source_path) as source, ZipWriter(target, placed) as writer:
        for name, entry in plan:
            if entry is None:
                done.append(writer.copy(name, placed_before[name], source))
            else:
                writer.add(name, entry)
    return placed, done


def test_entries_copied_from_the_last_zip_make_the_same_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an edit nearly every entry is copied from the last zip, consecutive ones as one
    run of bytes: the zip and the record of where its entries went are byte for byte those
    of writing every entry afresh."""
    source, entries, placed_before = _source_zip(tmp_path)
    by_name = dict(entries)
    new = ("local-offer/new.html", compress(b"<p>New</p>" * 50))
    order = [*entries[:3], new, entries[4], entries[3]]  # a run, an addition, two runs
    expected: dict[str, Placed] = {}
    write_zip(tmp_path / "expected.zip", order, expected)

    runs: list[int] = []
    kernel_copy = os.copy_file_range

    def counted(src: int, dst: int, count: int, *args: int) -> int:
        runs.append(count)
        return kernel_copy(src, dst, count, *args)

    monkeypatch.setattr(os, "copy_file_range", counted)
    plan = [(name, None if name in by_name else entry) for name, entry in order]
    placed, done = _copied(tmp_path / "copied.zip", plan, placed_before, source)
    assert done == [True] * 5
    assert (tmp_path / "copied.zip").read_bytes() == (tmp_path / "expected.zip").read_bytes()
    assert placed == expected
    assert len(runs) == 3  # a, b and c in one run; then e; then café
    with zipfile.ZipFile(tmp_path / "copied.zip") as bundle:
        assert bundle.testzip() is None


@pytest.mark.parametrize("kernel", ["refuses", "missing"])
def test_entries_are_copied_by_hand_where_the_kernel_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: str
) -> None:
    """copy_file_range fails between some file systems on older kernels, and is Linux's alone."""
    source, entries, placed_before = _source_zip(tmp_path)
    write_zip(tmp_path / "expected.zip", entries)
    if kernel == "missing":
        monkeypatch.delattr(os, "copy_file_range")
    else:
        def refuses(*_: object) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refuses)
    _copied(tmp_path / "copied.zip", [(name, None) for name, _ in entries], placed_before, source)
    assert (tmp_path / "copied.zip").read_bytes() == (tmp_path / "expected.zip").read_bytes()


def test_an_entry_not_where_the_record_says_is_not_copied(tmp_path: Path) -> None:
    """The caller then packs the file afresh: nothing of it is added."""
    source, entries, placed_before = _source_zip(tmp_path)
    other: dict[str, Placed] = {}
    write_zip(tmp_path / "other.zip", [entries[0], ("local-offer/zz.html", compress(b"z"))], other)
    wrong = {**placed_before, "local-offer/zz.html": other["local-offer/zz.html"]}
    wrong["local-offer/a.html"] = (*placed_before["local-offer/a.html"][:3], 7, 10)
    plan: list[tuple[str, Compressed | None]] = [
        ("local-offer/a.html", None),  # its header is not where recorded
        ("local-offer/b.png", None),
        ("local-offer/zz.html", None),  # recorded in another zip
    ]
    placed, done = _copied(tmp_path / "copied.zip", plan, wrong, source)
    assert done == [False, True, False]
    assert list(placed) == ["local-offer/b.png"]
    with zipfile.ZipFile(tmp_path / "copied.zip") as bundle:
        assert bundle.namelist() == ["local-offer/b.png"]
        assert bundle.read("local-offer/b.png") == bytes(range(256))


def test_a_last_zip_cut_short_while_copied_fails_and_leaves_no_zip(tmp_path: Path) -> None:
    source, entries, placed_before = _source_zip(tmp_path)
    target = tmp_path / "copied.zip"
    with (
        ZipSource(source) as last,
        pytest.raises(OSError, match="shorter than recorded"),
        ZipWriter(target) as writer,
    ):
        for name, _ in entries:
            assert writer.copy(name, placed_before[name], last)
        os.truncate(source, placed_before["local-offer/c.txt"][3])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["last.zip"]


def test_entries_past_4_gib_are_written_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry's header asks for ZIP64 (version 4.5) once the entry starts past 4 GiB, so one
    that moves across that line cannot be copied as it was: its bytes are written with a new
    header. (The line is moved down to a few hundred bytes here.)"""
    monkeypatch.setattr("lo_static.zipwrite._LIMIT_32", 400)
    source, entries, placed_before = _source_zip(tmp_path)
    assert placed_before["local-offer/e.html"][3] > 400 > placed_before["local-offer/a.html"][3]
    bigger = ("local-offer/0.html", compress(bytes(random.Random(3).randbytes(400))))
    order = [bigger, *entries]  # every entry moves 400 bytes on, some across the line
    write_zip(tmp_path / "expected.zip", order)
    plan = [(bigger[0], bigger[1]), *((name, None) for name, _ in entries)]
    _, done = _copied(tmp_path / "copied.zip", plan, placed_before, source)
    assert done == [True] * 5
    assert (tmp_path / "copied.zip").read_bytes() == (tmp_path / "expected.zip").read_bytes()
