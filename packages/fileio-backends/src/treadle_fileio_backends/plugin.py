"""Manifest of the ``fileio_backends`` plugin: read by treadle-core, so it stays plain data.

``FILEIO_BACKENDS`` maps URI prefixes and backend names to the module that
registers their backend; treadle-core imports that module the first time the
prefix or name is used. ``"*"`` is the catch-all: any other prefix is tried
against fsspec, which serves every protocol whose implementation is installed.
"""

_FSSPEC = "treadle_fileio_backends.fsspec_backend"
_HTTP = "treadle_fileio_backends.http_backend"

ROOT_LOCATIONS: dict[str, list[str]] = {}
FILEIO_BACKENDS: dict[str, str] = {
    "s3": _FSSPEC,
    "s3a": _FSSPEC,
    "gs": _FSSPEC,
    "gcs": _FSSPEC,
    "memory": _FSSPEC,
    "fsspec": _FSSPEC,
    "http": _HTTP,
    "https": _HTTP,
    "lmdb": "treadle_fileio_backends.lmdb_backend",
    "memcached": "treadle_fileio_backends.memcached_backend",
    "*": _FSSPEC,
}
