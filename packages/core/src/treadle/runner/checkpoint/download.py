"""Download a URL once into a cache directory, atomically and checked for truncation."""

from __future__ import annotations

import errno
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from treadle.runner.checkpoint._log import log


def cache_dir(model_dir: str | None = None) -> str:
    """``model_dir``, else ``torch.hub``'s ``<hub dir>/checkpoints`` (``$TORCH_HOME``)."""
    if model_dir is not None:
        return os.path.expanduser(model_dir)
    import torch.hub

    return os.path.join(torch.hub.get_dir(), "checkpoints")


def cached_download(url: str, model_dir: str | None = None, logger: Any = "current") -> str:
    """The local path of ``url``'s file in the cache, downloading it if it is not there.

    The file is named after the URL's last path segment. A download that ends
    before the promised ``Content-Length`` raises and leaves nothing in the cache.
    """
    from treadle.fileio.atomic import atomic_writer

    name = os.path.basename(urllib.parse.urlparse(url).path)
    if not name:
        raise ValueError(f"checkpoint URL {url!r} has no file name in its path")
    path = os.path.join(cache_dir(model_dir), name)
    if os.path.isfile(path):
        return path
    log(f"Downloading {url} to {path}", logger)
    try:
        response = urllib.request.urlopen(url, timeout=60)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise FileNotFoundError(errno.ENOENT, f"HTTP {exc.code} {exc.reason}", url) from exc
        raise OSError(f"downloading checkpoint {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise OSError(f"downloading checkpoint {url} failed: {exc.reason}") from exc
    with response, atomic_writer(path) as f:
        shutil.copyfileobj(response, f)
        if response.length:  # read() stops quietly when the server hangs up early
            raise OSError(
                f"downloading checkpoint {url} failed: the connection closed with "
                f"{response.length} bytes still to come; nothing was cached, try again"
            )
    return path
