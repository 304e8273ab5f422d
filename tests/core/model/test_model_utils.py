"""Model helpers: ``merge_dict``."""

from __future__ import annotations

import pytest

from treadle.model import merge_dict


def test_merge_dict_later_dicts_win_and_non_dicts_are_refused():
    assert merge_dict(dict(a=1, b=1), dict(b=2), dict(c=3)) == dict(a=1, b=2, c=3)
    with pytest.raises(TypeError, match="merge_dict merges dicts, got list"):
        merge_dict(dict(a=1), [("b", 2)])
