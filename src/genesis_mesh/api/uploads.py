"""Uploads of a site as an archive, for sites without a git host.

The archive is the raw request body (`Content-Type: application/zip` or
`application/gzip`), not a multipart form: it streams to disk with its size counted as
it arrives, needs no form parser (python-multipart), and is one `curl --data-binary`.
The answer's `source` (`upload:<id>`) is what a run's input takes as `repo_url`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.requests import HTTPConnection

from genesis_mesh.api.deps import UserDep
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import UnsupportedArchive
from genesis_mesh.uploads.store import UploadInfo, UploadStore

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads"])

ARCHIVE_TYPES = frozenset(
    {
        "application/zip",
        "application/x-zip-compressed",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar+gzip",
        "application/x-compressed-tar",
        "application/octet-stream",
    }
)
UploadIdPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
_BINARY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            kind: {"schema": {"type": "string", "format": "binary"}}
            for kind in ("application/zip", "application/gzip", "application/octet-stream")
        },
    }
}


def get_uploads(connection: HTTPConnection) -> UploadStore:
    uploads: UploadStore = connection.app.state.uploads
    return uploads


@router.post(
    "",
    status_code=201,
    summary="Upload a site as a .zip or .tar.gz (the raw body)",
    openapi_extra=_BINARY_BODY,
)
async def create_upload(
    request: Request,
    user: UserDep,
    name: Annotated[str, Query(max_length=200, description="A label, e.g. the file name.")] = "",
) -> UploadInfo:
    """Unpacks the archive into a folder of its own; start a run with the answer's
    `source` as `repo_url`. Refusals: 413 over the size limit, 415 a content type that
    is not an archive's, 422 `archive_refused` with `detail.rule` (not_an_archive,
    path_traversal, absolute_path, link, special_file, duplicate_name, too_many_files,
    unpacked_too_large, zip_bomb, ...)."""
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind not in ARCHIVE_TYPES:
        raise UnsupportedArchive()
    return await get_uploads(request).create(user.user_id, name, request.stream())


@router.get("/{upload_id}", summary="One upload")
async def get_upload(upload_id: UploadIdPath, request: Request, user: UserDep) -> UploadInfo:
    return get_uploads(request).get(upload_id, user.owner_filter)


@router.delete("/{upload_id}", status_code=204, summary="Delete an upload now")
async def delete_upload(upload_id: UploadIdPath, request: Request, user: UserDep) -> Response:
    get_uploads(request).delete(upload_id, user.owner_filter)
    return Response(status_code=204)


def check_upload_sources(connection: HTTPConnection, user: Identity, payload: Any) -> None:
    """Every `upload:<id>` string at the top of a run's input must be the caller's own
    upload (UploadNotFound otherwise), so no one runs a graph on another user's files."""
    if not isinstance(payload, dict):
        return
    uploads = get_uploads(connection)
    for value in payload.values():
        if isinstance(value, str) and value.startswith("upload:"):
            uploads.get(value.removeprefix("upload:"), user.owner_filter)
