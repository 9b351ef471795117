"""compress and extract: round trips in every format, and refusal of crafted, unsafe archives."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from provtop.transports import NotFound, Transport, TransportError, UnsafeArchive
from provtop.transports.archive import Member, find_unsafe_member, parse_listing

FORMATS = ["tar", "tar.gz", "tar.bz2", "tar.xz"]


@pytest.fixture
def workdir(remote_dir: Path) -> Path:
    """A root with two result files, a log, a nested directory and a symlink."""
    (remote_dir / "root" / "nested").mkdir(parents=True)
    (remote_dir / "root" / "a.out").write_text("a")
    (remote_dir / "root" / "b.out").write_text("b")
    (remote_dir / "root" / "run.log").write_text("log")
    (remote_dir / "root" / "nested" / "deep.txt").write_text("deep")
    (remote_dir / "root" / "alias").symlink_to("a.out")
    return remote_dir / "root"


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("dereference", [False, True])
async def test_compress_then_extract_gives_back_the_tree(
    transport: Transport, workdir: Path, remote_dir: Path, format: str, dereference: bool
) -> None:
    archive = remote_dir / f"out.{format}"
    await transport.compress(format, ["a.out", "nested", "alias"], str(archive), str(workdir), dereference=dereference)
    await transport.extract(str(archive), str(remote_dir / "unpacked"))
    unpacked = remote_dir / "unpacked"
    assert (unpacked / "nested" / "deep.txt").read_text() == "deep"
    assert (unpacked / "alias").is_symlink() is not dereference
    assert (unpacked / "alias").read_text() == "a"
    assert not (unpacked / "run.log").exists()
    assert [p.name for p in remote_dir.iterdir() if ".provtop-" in p.name] == []


async def test_compress_expands_globs_and_absolute_sources_relative_to_the_root(
    transport: Transport, workdir: Path, remote_dir: Path
) -> None:
    archive = remote_dir / "outs.tar.gz"
    await transport.compress("tar.gz", [str(workdir / "*.out"), "nested/*"], str(archive), str(workdir))
    with tarfile.open(archive) as opened:
        assert sorted(opened.getnames()) == ["a.out", "b.out", "nested/deep.txt"]


async def test_compress_stores_awkward_names(transport: Transport, remote_dir: Path, weird_names: list[str]) -> None:
    root = remote_dir / "weird"
    root.mkdir()
    for name in weird_names:
        (root / name).write_text(name)
    await transport.compress("tar", weird_names, str(remote_dir / "w.tar"), str(root))
    await transport.extract(str(remote_dir / "w.tar"), str(remote_dir / "w"))
    assert sorted(p.name for p in (remote_dir / "w").iterdir()) == sorted(weird_names)


async def test_compress_refuses_bad_arguments(transport: Transport, workdir: Path, remote_dir: Path) -> None:
    with pytest.raises(ValueError, match="tar.gz"):
        await transport.compress("zip", "a.out", str(remote_dir / "x.zip"), str(workdir))
    with pytest.raises(NotFound, match="root directory"):
        await transport.compress("tar", "a.out", str(remote_dir / "x.tar"), str(remote_dir / "missing"))
    with pytest.raises(TransportError, match="give a file name"):
        await transport.compress("tar", "a.out", str(remote_dir), str(workdir))
    with pytest.raises(NotFound):
        await transport.compress("tar", "missing.*", str(remote_dir / "x.tar"), str(workdir))
    with pytest.raises(ValueError, match="not inside"):
        await transport.compress("tar", str(remote_dir), str(remote_dir / "x.tar"), str(workdir))


async def test_extract_of_a_missing_archive_raises_not_found(transport: Transport, remote_dir: Path) -> None:
    with pytest.raises(NotFound):
        await transport.extract(str(remote_dir / "none.tar"), str(remote_dir / "t"))


def _file(name: str) -> Callable[[tarfile.TarFile], None]:
    def add(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = 4
        archive.addfile(info, io.BytesIO(b"evil"))

    return add


def _special(name: str, kind: bytes, link: str = "") -> Callable[[tarfile.TarFile], None]:
    def add(archive: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = link
        archive.addfile(info)

    return add


UNSAFE = {
    "absolute path": [_file("/tmp/provtop-evil")],
    "dot-dot": [_file("ok/../../provtop-evil")],
    "absolute symlink": [_special("link", tarfile.SYMTYPE, "/etc")],
    "symlink climbing out": [_special("sub/link", tarfile.SYMTYPE, "../../outside")],
    "write through a symlink": [_special("link", tarfile.SYMTYPE, "."), _file("link/../../x")],
    "path through a symlink": [_special("up", tarfile.SYMTYPE, "sub"), _file("up/file")],
    "symlink chained through a symlink": [
        _special("here", tarfile.SYMTYPE, "."),
        _special("escape", tarfile.SYMTYPE, "here/x/../.."),
    ],
    "hard link outside": [_special("hard", tarfile.LNKTYPE, "../../etc/passwd")],
    "character device": [_special("dev", tarfile.CHRTYPE)],
    "block device": [_special("blk", tarfile.BLKTYPE)],
    "fifo": [_special("pipe", tarfile.FIFOTYPE)],
}


@pytest.mark.parametrize("case", list(UNSAFE))
async def test_extract_refuses_unsafe_archives_before_writing_anything(
    transport: Transport, remote_dir: Path, case: str
) -> None:
    archive = remote_dir / "crafted.tar"
    with tarfile.open(archive, "w") as crafted:
        _file("harmless.txt")(crafted)
        for add in UNSAFE[case]:
            add(crafted)
    target = remote_dir / "target"
    with pytest.raises(UnsafeArchive, match="Refused to extract"):
        await transport.extract(str(archive), str(target))
    assert not target.exists()
    assert not (remote_dir / "outside").exists()


async def test_extract_accepts_links_that_stay_inside(transport: Transport, remote_dir: Path) -> None:
    archive = remote_dir / "fine.tar"
    with tarfile.open(archive, "w") as crafted:
        _file("dir/data")(crafted)
        _special("dir/link", tarfile.SYMTYPE, "data")(crafted)
        _special("dir/up", tarfile.SYMTYPE, "../dir/data")(crafted)
        _special("hard", tarfile.LNKTYPE, "dir/data")(crafted)
    await transport.extract(str(archive), str(remote_dir / "t"))
    assert (remote_dir / "t" / "dir" / "up").read_text() == "evil"
    assert (remote_dir / "t" / "hard").read_text() == "evil"


def test_the_listing_parser_reads_quoted_names_and_link_targets() -> None:
    listing = "\n".join(
        [
            'drwxr-xr-x 0/0               0 2024-05-01 10:00 "d/"',
            'lrwxrwxrwx 0/0               0 2024-05-01 10:00 "d/l" -> "../x y"',
            'hrw-r--r-- 0/0               0 2024-05-01 10:00 "d/h" link to "d/\\303\\251\\"q"',
            'crw-r--r-- 0/0             1,3 2024-05-01 10:00 "a\\nb -> \\"c"',
        ]
    )
    assert parse_listing(listing) == [
        Member("d", "dir"),
        Member("d/l", "symlink", "../x y"),
        Member("d/h", "hardlink", 'd/é"q'),
        Member('a\nb -> "c', "c"),
    ]


def test_an_unreadable_listing_line_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="Cannot read"):
        parse_listing("garbage")
    assert find_unsafe_member([Member("fine", "file")]) is None
