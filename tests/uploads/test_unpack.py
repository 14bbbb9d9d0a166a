"""Hostile archives are refused, each with the rule it broke, and nothing is written
outside the upload's folder."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from genesis_mesh.errors import ArchiveRefused
from genesis_mesh.uploads.limits import ArchiveLimits
from genesis_mesh.uploads.unpack import unpack
from tests.uploads.archives import (
    SYMLINK_MODE,
    encrypted_zip,
    file_member,
    site_tar_gz,
    site_zip,
    tar_gz_of,
    typed_member,
    zip_of,
)

LIMITS = ArchiveLimits(max_bytes=10_000_000, max_unpacked_bytes=20_000_000, max_files=50)


def _unpack(tmp_path: Path, archive: bytes, limits: ArchiveLimits = LIMITS) -> Path:
    """Unpack into tmp_path/box/dest; the whole tmp_path is checked for strays."""
    box = tmp_path / "box"
    (box / "dest").mkdir(parents=True)
    path = box / "archive"
    path.write_bytes(archive)
    unpack(path, box / "dest", limits)
    return box / "dest"


def _refused(tmp_path: Path, archive: bytes, limits: ArchiveLimits = LIMITS) -> ArchiveRefused:
    with pytest.raises(ArchiveRefused) as caught:
        _unpack(tmp_path, archive, limits)
    written = {
        p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob("*")
        if not p.is_dir() and not p.relative_to(tmp_path).as_posix().startswith("box/dest/")
    }
    assert written == {"box/archive"}, f"written outside the folder: {written}"
    assert caught.value.http_status == 422 and caught.value.detail["rule"] == caught.value.rule
    return caught.value


def test_a_zip_and_a_tar_gz_of_a_site_unpack_to_its_files(tmp_path: Path) -> None:
    zipped = _unpack(tmp_path / "z", site_zip())
    tarred = _unpack(tmp_path / "t", site_tar_gz())
    for dest in (zipped, tarred):
        assert sorted(p.name for p in dest.iterdir()) == ["guide.md", "index.md"]
        assert "[guide](guide.md)" in (dest / "index.md").read_text()


def test_dot_dot_paths_are_refused(tmp_path: Path) -> None:
    zipped = _refused(tmp_path / "z", zip_of([("docs/../../evil.md", b"x")]))
    tarred = _refused(tmp_path / "t", tar_gz_of([file_member("../evil.md")], {"../evil.md": b"x"}))
    backslash = _refused(tmp_path / "b", zip_of([("docs\\..\\..\\evil.md", b"x")]))
    assert zipped.rule == tarred.rule == backslash.rule == "path_traversal"
    assert "climbs out with '..'" in zipped.message and "'docs/../../evil.md'" in zipped.message
    assert not (tmp_path / "evil.md").exists()


def test_absolute_paths_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "abs-target.md"
    tarred = _refused(tmp_path / "t", tar_gz_of([file_member(str(target))], {str(target): b"x"}))
    drive = _refused(tmp_path / "d", zip_of([("C:/Windows/evil.md", b"x")]))
    assert tarred.rule == drive.rule == "absolute_path"
    assert not target.exists()


def test_symlinks_and_hard_links_are_refused(tmp_path: Path) -> None:
    zip_link = _refused(
        tmp_path / "z", zip_of([("link", b"/etc/passwd")], modes={"link": SYMLINK_MODE})
    )
    tar_sym = _refused(tmp_path / "s", tar_gz_of([typed_member("link", tarfile.SYMTYPE, "/etc")]))
    tar_hard = _refused(
        tmp_path / "h", tar_gz_of([typed_member("hard", tarfile.LNKTYPE, "/etc/passwd")])
    )
    assert zip_link.rule == tar_sym.rule == tar_hard.rule == "link"


def test_devices_and_fifos_are_refused(tmp_path: Path) -> None:
    fifo = _refused(tmp_path / "f", tar_gz_of([typed_member("pipe", tarfile.FIFOTYPE)]))
    device = _refused(tmp_path / "c", tar_gz_of([typed_member("null", tarfile.CHRTYPE)]))
    assert fifo.rule == device.rule == "special_file"


def test_a_zip_bomb_entry_is_refused_before_it_fills_the_disk(tmp_path: Path) -> None:
    bomb = zip_of([("zeros.md", b"\0" * 8_000_000)])
    assert len(bomb) < 20_000
    refused = _refused(tmp_path, bomb)
    assert refused.rule == "zip_bomb" and "GENESIS_MESH_UPLOAD_MAX_RATIO" in refused.message
    assert sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) < 3_000_000


def test_a_tar_gz_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tar_gz_of([file_member("zeros.md")], {"zeros.md": b"\0" * 8_000_000})
    assert _refused(tmp_path, bomb).rule == "zip_bomb"


def test_more_unpacked_bytes_than_allowed_are_refused(tmp_path: Path) -> None:
    small = ArchiveLimits(max_unpacked_bytes=5_000, max_files=50)
    text = bytes(range(256)) * 16  # 4 KiB that barely compresses
    zipped = _refused(tmp_path / "z", zip_of([("a.md", text), ("b.md", text)]), small)
    tarred = _refused(
        tmp_path / "t",
        tar_gz_of([file_member("a.md"), file_member("b.md")], {"a.md": text, "b.md": text}),
        small,
    )
    assert zipped.rule == tarred.rule == "unpacked_too_large"
    assert "GENESIS_MESH_UPLOAD_MAX_UNPACKED_BYTES" in zipped.message


def test_more_files_than_allowed_are_refused(tmp_path: Path) -> None:
    few = ArchiveLimits(max_files=3)
    names = [f"p{i}.md" for i in range(4)]
    zipped = _refused(tmp_path / "z", zip_of([(n, b"# p\n") for n in names]), few)
    tarred = _refused(
        tmp_path / "t", tar_gz_of([file_member(n) for n in names], dict.fromkeys(names, b"x")), few
    )
    assert zipped.rule == tarred.rule == "too_many_files"


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    same = _refused(tmp_path / "s", zip_of([("a.md", b"one"), ("a.md", b"two")]))
    dotted = _refused(tmp_path / "d", zip_of([("x/a.md", b"one"), ("x/./a.md", b"two")]))
    file_then_folder = _refused(tmp_path / "f", zip_of([("x", b"file"), ("x/a.md", b"two")]))
    unicode_twins = _refused(
        tmp_path / "u", zip_of([("caf\u00e9.md", b"one"), ("cafe\u0301.md", b"two")])
    )
    tarred = _refused(
        tmp_path / "t",
        tar_gz_of([file_member("a.md"), file_member("a.md")], {"a.md": b"x"}),
    )
    rules = {same.rule, dotted.rule, file_then_folder.rule, unicode_twins.rule, tarred.rule}
    assert rules == {"duplicate_name"}


def test_control_characters_in_names_are_refused(tmp_path: Path) -> None:
    assert _refused(tmp_path, zip_of([("a\x1b[2J.md", b"x")])).rule == "control_character"


def test_a_body_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    assert _refused(tmp_path, b"# just markdown\n").rule == "not_an_archive"


def test_a_corrupt_archive_is_refused(tmp_path: Path) -> None:
    truncated = site_tar_gz()[:40]
    assert _refused(tmp_path / "t", truncated).rule == "corrupt"
    broken_zip = site_zip()[:-30]
    assert _refused(tmp_path / "z", broken_zip).rule == "corrupt"


def test_an_encrypted_zip_entry_is_refused(tmp_path: Path) -> None:
    assert _refused(tmp_path, encrypted_zip()).rule == "encrypted"
