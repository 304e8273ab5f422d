"""``from mmengine.utils import X`` becomes ``from treadle.utils import X``, cheaply."""

import json

import treadle.utils

# mmengine.utils.__all__ in MMEngine 0.10.7, less install_package and call_command
# (they shell out to pip / arbitrary commands)
MMENGINE_UTILS = [
    "ManagerMeta",
    "ManagerMixin",
    "ProgressBar",
    "Timer",
    "TimerError",
    "apply_to",
    "check_file_exist",
    "check_prerequisites",
    "check_time",
    "concat_list",
    "deprecated_api_warning",
    "deprecated_function",
    "digit_version",
    "fopen",
    "get_git_hash",
    "get_installed_path",
    "get_object_from_string",
    "has_method",
    "import_modules_from_strings",
    "is_abs",
    "is_filepath",
    "is_installed",
    "is_list_of",
    "is_method_overridden",
    "is_seq_of",
    "is_str",
    "is_tuple_of",
    "iter_cast",
    "list_cast",
    "mkdir_or_exist",
    "requires_executable",
    "requires_package",
    "scandir",
    "slice_list",
    "symlink",
    "to_1tuple",
    "to_2tuple",
    "to_3tuple",
    "to_4tuple",
    "to_ntuple",
    "track_iter_progress",
    "track_parallel_progress",
    "track_progress",
    "track_progress_rich",
    "tuple_cast",
]


def test_every_mmengine_name_resolves():
    assert sorted(treadle.utils.__all__) == sorted(MMENGINE_UTILS)
    for name in MMENGINE_UTILS:
        assert getattr(treadle.utils, name).__module__.startswith("treadle.utils."), name
    assert set(MMENGINE_UTILS) <= set(dir(treadle.utils))


def test_left_out_names_say_so():
    for name in ("install_package", "call_command", "no_such_helper"):
        try:
            getattr(treadle.utils, name)
        except AttributeError as exc:
            assert name in str(exc)
        else:
            raise AssertionError(f"treadle.utils.{name} should not exist")


def test_import_loads_no_helper_module(python):
    out = python(
        "import sys, json, treadle.utils\n"
        "before = sorted(m for m in sys.modules if m.startswith('treadle.utils.'))\n"
        "treadle.utils.is_list_of, treadle.utils.Timer, treadle.utils.mkdir_or_exist\n"
        "print(json.dumps([before, [m for m in ('torch', 'rich', 'packaging', 'multiprocessing')"
        " if m in sys.modules]]))"
    ).stdout
    before, heavy = json.loads(out)
    assert before == ["treadle.utils.lazy"]
    assert heavy == []
