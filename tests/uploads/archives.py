"""Archives built in the test, good and hostile."""

from __future__ import annotations

import io
import stat
import tarfile
import warnings
import zipfile

SITE = {
    "index.md": "# Home\n\nSee the [guide](guide.md) and [gone](missing.md).\n",
    "guide.md": "# Guide\n\n[home](index.md)\n",
}


def zip_of(entries: list[tuple[str, bytes]], *, modes: dict[str, int] | None = None) -> bytes:
    """A zip with `entries` in order (duplicates allowed), `modes` as Unix modes."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                if modes and name in modes:
                    info.external_attr = modes[name] << 16
                zf.writestr(info, data)
    return buffer.getvalue()


def site_zip(top: str = "") -> bytes:
    return zip_of([(top + name, text.encode()) for name, text in SITE.items()])


def tar_gz_of(members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in members:
            content = (data or {}).get(member.name)
            if content is not None:
                member.size = len(content)
                tar.addfile(member, io.BytesIO(content))
            else:
                tar.addfile(member)
    return buffer.getvalue()


def file_member(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def typed_member(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = linkname
    return member


def site_tar_gz() -> bytes:
    members = [file_member(name) for name in SITE]
    return tar_gz_of(members, {name: text.encode() for name, text in SITE.items()})


SYMLINK_MODE = stat.S_IFLNK | 0o777


def encrypted_zip() -> bytes:
    """A zip whose one entry has the "encrypted" flag set (in both of its headers)."""
    data = bytearray(zip_of([("secret.md", b"# hidden\n")]))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    return bytes(data)
