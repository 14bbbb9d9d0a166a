"""Uploaded sites: a `.zip` or `.tar.gz` unpacked into a folder of its own.

    limits.py  the limits a hostile archive meets, from the settings
    names.py   member names that stay inside the folder, and duplicate detection
    unpack.py  extraction of zip and tar.gz archives under those limits
    store.py   one folder per upload under the data dir, its owner, expiry

A graph reads an upload as a local folder: `upload:<id>` as its source, resolved under
the `upload_root` the host puts in the runtime context (graphs/topical_mesh).
"""
