"""Renamed-argument shims and deprecated functions."""

import pytest

from treadle.logging import MMLogger
from treadle.utils import deprecated_api_warning, deprecated_function


@deprecated_api_warning({"old": "new"}, cls_name="Thing")
def renamed(new=0, other=1):
    return new, other


def test_old_keyword_is_forwarded_with_a_warning():
    with pytest.warns(DeprecationWarning, match='"old" is deprecated in `Thing.renamed`') as rec:
        assert renamed(old=5) == (5, 1)
    assert rec[0].filename == __file__  # the warning points at the caller
    assert renamed(new=6, other=2) == (6, 2)


def test_old_and_new_together_is_an_error():
    with pytest.raises(TypeError, match="both the deprecated argument `old` and its replacement"):
        renamed(old=1, new=2)


def test_positional_argument_on_a_parameter_with_an_old_name_warns():
    @deprecated_api_warning({"size": "shape"})
    def resize(img, size=None):
        return img, size

    with pytest.warns(DeprecationWarning, match='"size" is deprecated in `resize`'):
        assert resize("i", 3) == ("i", 3)


def test_deprecated_function_logs_and_documents(capsys):
    @deprecated_function("0.2.0", "0.4.0", "use `new_sum` instead")
    def old_sum(a, b):
        """Add two numbers.

        Returns:
            The sum.
        """
        return a + b

    MMLogger.get_instance("deprecation-test")  # the current logger receives the warning
    assert old_sum(2, 3) == 5
    out = capsys.readouterr().out
    assert "WARNING" in out
    assert (
        f"'{__name__}.old_sum' is deprecated since version 0.2.0 and goes away in "
        "version 0.4.0: use `new_sum` instead." in out
    )
    assert old_sum.__name__ == "old_sum"
    assert old_sum.__doc__.startswith(".. deprecated:: 0.2.0\n")
    assert "To be removed in version 0.4.0; use `new_sum` instead." in old_sum.__doc__
    assert "Add two numbers.\n\nReturns:\n    The sum." in old_sum.__doc__
