import pytest

from treadle.hooks import Priority, get_priority


@pytest.mark.parametrize(
    ("given", "value"),
    [
        ("HIGHEST", 0),
        ("very_high", 10),
        ("High", 30),
        ("ABOVE_NORMAL", 40),
        ("NORMAL", 50),
        ("BELOW_NORMAL", 60),
        ("LOW", 70),
        ("VERY_LOW", 90),
        ("LOWEST", 100),
        (Priority.LOW, 70),
        (0, 0),
        (42, 42),
        (100, 100),
    ],
)
def test_names_enums_and_ints_resolve(given, value):
    assert get_priority(given) == value


@pytest.mark.parametrize("bad", [-1, 101, 1000])
def test_out_of_range_ints_are_refused(bad):
    with pytest.raises(ValueError, match=r"between 0 and 100, got"):
        get_priority(bad)


def test_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match=r"unknown priority 'MEDIUM'.*VERY_HIGH.*\[0, 100\]"):
        get_priority("MEDIUM")


@pytest.mark.parametrize("bad", [1.5, None, True, ["LOW"]])
def test_other_types_are_refused(bad):
    with pytest.raises(TypeError, match="priority must be an int, a str or a Priority"):
        get_priority(bad)
