"""The top-level ``treadle`` namespace offers what ``import mmengine`` does: the config,
registry, fileio, logging and utils names, and the subpackages as attributes, all lazily."""

import json

import pytest

#: names MMEngine 0.10.7 users import from ``mmengine`` itself
MMENGINE_TOP_LEVEL = (
    "Config", "ConfigDict", "DictAction", "read_base",  # config
    "Registry", "DefaultScope", "build_from_cfg", "init_default_scope", "MODELS", "HOOKS",
    "count_registered_modules",  # registry
    "load", "dump", "get", "put", "exists", "list_from_file", "get_file_backend",  # fileio
    "MMLogger", "print_log", "MessageHub", "HistoryBuffer",  # logging
    "ManagerMixin", "is_list_of", "mkdir_or_exist", "ProgressBar", "track_progress",
    "digit_version", "scandir", "Timer",  # utils
)  # fmt: skip


@pytest.mark.parametrize("name", MMENGINE_TOP_LEVEL)
def test_mmengine_top_level_name(name):
    import treadle

    value = getattr(treadle, name)
    assert value is not None
    assert name in dir(treadle)


def test_subpackages_are_attributes_of_the_package(python):
    out = python(
        "import json, sys, treadle\n"
        "before = 'treadle.config' in sys.modules\n"
        "from treadle.config import Config\n"
        "print(json.dumps([before, treadle.config.Config is Config, treadle.utils.__name__,"
        " treadle.__version__, list(treadle.version_info)]))"
    ).stdout
    before, same, utils_name, version, version_info = json.loads(out)
    assert (before, same, utils_name) == (False, True, "treadle.utils")
    assert version_info == [int(part) for part in version.split(".")]


def test_every_utils_name_is_also_top_level():
    import treadle
    import treadle.utils

    for name in treadle.utils.__all__:
        assert getattr(treadle, name) is getattr(treadle.utils, name)


def test_unknown_top_level_name_is_an_attribute_error():
    import treadle

    with pytest.raises(AttributeError, match="module 'treadle' has no attribute 'Confg'"):
        treadle.Confg  # noqa: B018
