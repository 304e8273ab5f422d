"""YAML loader and dumper for configs: safe, plus tuples (``!!python/tuple``) as MMEngine's.

Importing this module imports PyYAML (~30 ms), so only YAML readers/writers do.
"""

from __future__ import annotations

import yaml

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """Safe loading, with ``!!python/tuple`` read back as a tuple."""


Loader.add_constructor(
    "tag:yaml.org,2002:python/tuple",
    lambda loader, node: tuple(loader.construct_sequence(node)),
)


class Dumper(_SafeDumper):  # type: ignore[misc,valid-type]
    """Safe dumping, writing tuples as ``!!python/tuple`` so they load back as tuples."""


Dumper.add_representer(
    tuple, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:python/tuple", data)
)


def dumps(data: object) -> str:
    """YAML text for a plain-dict config, keys in config order."""
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, default_flow_style=False)
