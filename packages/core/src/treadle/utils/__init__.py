"""Small torch-free helpers shared across Treadle's modules: MMEngine's ``mmengine.utils``.

``from treadle.utils import X`` works for each name MMEngine 0.10.7 exports there
(except ``install_package`` and ``call_command``). The names resolve lazily
(PEP 562), so importing this package loads none of its modules.
"""

from __future__ import annotations

from treadle.utils.lazy import by_name, lazy_exports

_LAZY = by_name(
    {
        "treadle.utils.manager": ("ManagerMeta", "ManagerMixin"),
        "treadle.utils.misc": (
            "apply_to",
            "concat_list",
            "has_method",
            "is_list_of",
            "is_method_overridden",
            "is_seq_of",
            "is_str",
            "is_tuple_of",
            "iter_cast",
            "list_cast",
            "slice_list",
            "to_1tuple",
            "to_2tuple",
            "to_3tuple",
            "to_4tuple",
            "to_ntuple",
            "tuple_cast",
        ),
        "treadle.utils.deprecation": ("deprecated_api_warning", "deprecated_function"),
        "treadle.utils.prerequisites": (
            "check_prerequisites",
            "requires_executable",
            "requires_package",
        ),
        "treadle.utils.package": (
            "get_installed_path",
            "get_object_from_string",
            "import_modules_from_strings",
            "is_installed",
        ),
        "treadle.utils.path": (
            "check_file_exist",
            "fopen",
            "is_abs",
            "is_filepath",
            "mkdir_or_exist",
            "scandir",
            "symlink",
        ),
        "treadle.utils.version": ("digit_version", "get_git_hash"),
        "treadle.utils.timer": ("Timer", "TimerError", "check_time"),
        "treadle.utils.progress": (
            "ProgressBar",
            "track_iter_progress",
            "track_parallel_progress",
            "track_progress",
        ),
        "treadle.utils.progress_rich": ("track_progress_rich",),
    }
)

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
