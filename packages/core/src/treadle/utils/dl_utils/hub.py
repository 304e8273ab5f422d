"""``load_url``: download a checkpoint once into the torch hub cache and load it safely."""

from __future__ import annotations

import pickle
from typing import Any

import torch


def load_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = True,
) -> Any:
    """Load the torch-saved object at ``url``, downloading it into ``model_dir``
    (default ``<torch hub dir>/checkpoints``) unless it is already there.

    Arguments are those of ``torch.hub.load_state_dict_from_url``. ``weights_only``
    defaults to True, so a file can hold only tensors and plain containers; pass
    False only for a source you trust. Failures name the URL.
    """
    if not isinstance(url, str) or not url:
        raise TypeError(f"load_url expects a URL string, got {url!r}")
    try:
        return torch.hub.load_state_dict_from_url(
            url,
            model_dir=model_dir,
            map_location=map_location,
            progress=progress,
            check_hash=check_hash,
            file_name=file_name,
            weights_only=weights_only,
        )
    except pickle.UnpicklingError as exc:
        raise pickle.UnpicklingError(
            f"load_url: {url} holds objects that weights_only=True does not load; pass "
            f"weights_only=False only if you trust this source ({str(exc).splitlines()[0]})"
        ) from exc
    except OSError as exc:  # urllib's URLError / HTTPError, a cache dir we cannot write
        raise OSError(f"load_url: could not fetch {url}: {exc}") from exc
    except RuntimeError as exc:  # a hash mismatch (check_hash) or a corrupt file
        raise RuntimeError(f"load_url: could not load {url}: {exc}") from exc
