"""Type checks, casts, list slicing, n-tuples, apply_to and method introspection."""

from collections import OrderedDict, namedtuple

import pytest

from treadle.utils import (
    apply_to,
    concat_list,
    has_method,
    is_list_of,
    is_method_overridden,
    is_seq_of,
    is_str,
    is_tuple_of,
    iter_cast,
    list_cast,
    slice_list,
    to_1tuple,
    to_2tuple,
    to_3tuple,
    to_4tuple,
    to_ntuple,
    tuple_cast,
)


def test_is_str():
    assert is_str("a") and not is_str(b"a") and not is_str(1)


def test_ntuples_repeat_scalars_and_pass_iterables_through():
    assert to_1tuple(5) == (5,)
    assert to_2tuple(3) == (3, 3)
    assert to_3tuple(None) == (None, None, None)
    assert to_4tuple(0.5) == (0.5,) * 4
    assert to_ntuple(5)(1) == (1,) * 5
    given = [1, 2]
    assert to_2tuple(given) is given
    assert to_2tuple("ab") == "ab"


def test_casts():
    lazy = iter_cast(["1", "2"], int)
    assert not isinstance(lazy, (list, tuple)) and list(lazy) == [1, 2]
    assert iter_cast("12", int, return_type=set) == {1, 2}
    assert list_cast(["1.5", "2"], float) == [1.5, 2.0]
    assert tuple_cast([1, 0], bool) == (True, False)
    with pytest.raises(TypeError, match="iterable object, got int"):
        iter_cast(3, int)
    with pytest.raises(TypeError, match="must be a type, got 'int'"):
        iter_cast([1], "int")


def test_sequence_checks():
    assert is_seq_of(["a", "b"], str) and is_seq_of("abc", str)
    assert is_seq_of([1, "a"], (int, str))
    assert not is_seq_of([1, "a"], int)
    assert not is_seq_of({1, 2}, int)  # a set is not a Sequence
    assert is_seq_of([], int)
    assert is_seq_of((1, 2), int, seq_type=tuple) and not is_seq_of((1, 2), int, seq_type=list)
    assert is_list_of([1, 2], int) and not is_list_of((1, 2), int)
    assert is_tuple_of((1.0,), float) and not is_tuple_of([1.0], float)
    with pytest.raises(TypeError, match=r"seq_type must be a type .* got 'list'"):
        is_seq_of([1], int, seq_type="list")


def test_slice_list():
    assert slice_list([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
    assert slice_list([1, 2, 3], [1, 2]) == [[1], [2, 3]]
    assert slice_list("abcd", [3, 1]) == ["abc", "d"]
    with pytest.raises(ValueError, match="length 3 into pieces of length 2"):
        slice_list([1, 2, 3], 2)
    with pytest.raises(ValueError, match="pieces of length 0"):
        slice_list([1, 2, 3], 0)
    with pytest.raises(ValueError, match="does not match: 4 != 3"):
        slice_list([1, 2, 3], [2, 2])
    with pytest.raises(TypeError, match=r"integer or a list of integers, got \(1, 2\)"):
        slice_list([1, 2, 3], (1, 2))


def test_concat_list():
    assert concat_list([[1], [2, 3], (), (4,)]) == [1, 2, 3, 4]
    assert concat_list([]) == []


def test_apply_to_keeps_container_types():
    Point = namedtuple("Point", "x y")
    data = OrderedDict(a=[1, (2, "s")], p=Point(3, "t"), f=1.5)
    out = apply_to(data, lambda v: isinstance(v, int), lambda v: v * 10)
    assert type(out) is OrderedDict and list(out) == ["a", "p", "f"]
    assert out["a"] == [10, (20, "s")] and type(out["a"][1]) is tuple
    assert type(out["p"]) is Point and out["p"] == Point(30, "t")
    assert out["f"] == 1.5
    assert data["a"] == [1, (2, "s")]  # the input is left alone
    assert apply_to(4, lambda v: v > 3, str) == "4"


class Base:
    def step(self):
        return "base"

    def other(self):
        return "base"


class Derived(Base):
    def step(self):
        return "derived"


def test_is_method_overridden():
    assert is_method_overridden("step", Base, Derived)
    assert is_method_overridden("step", Base, Derived())
    assert not is_method_overridden("other", Base, Derived)
    with pytest.raises(TypeError, match="base_class must be a class, got an instance of Base"):
        is_method_overridden("step", Base(), Derived)
    with pytest.raises(AttributeError, match="missing"):
        is_method_overridden("missing", Base, Derived)


def test_has_method():
    assert has_method(Derived(), "step")
    assert has_method([], "append")
    assert not has_method(Derived(), "nothing")
    obj = Derived()
    obj.value = 3
    assert not has_method(obj, "value")
