"""ManagerMeta / ManagerMixin: one instance table per class, constructors take ``name``."""

import pytest

from treadle.utils import ManagerMeta, ManagerMixin


def test_mixin_classes_use_the_metaclass_and_keep_separate_tables():
    class Hub(ManagerMixin):
        def __init__(self, name, size=1):
            super().__init__(name)
            self.size = size

    class OtherHub(ManagerMixin):
        pass

    assert type(Hub) is ManagerMeta
    first = Hub.get_instance("a", size=3)
    assert Hub.get_instance("a") is first and first.size == 3
    second = Hub.get_instance("b")
    assert Hub.get_current_instance() is second
    assert Hub.get_instance("a") is first and Hub.get_current_instance() is second
    assert Hub.check_instance_created("a") and not OtherHub.check_instance_created("a")
    with pytest.raises(RuntimeError, match="No OtherHub instance has been created yet"):
        OtherHub.get_current_instance()


def test_metaclass_alone_gives_a_table():
    class Plain(metaclass=ManagerMeta):
        def __init__(self, name):
            self.name = name

    assert Plain._instance_dict == {}


def test_class_without_name_argument_is_refused_when_defined():
    with pytest.raises(TypeError, match=r"NoName.__init__ must accept a `name` argument"):

        class NoName(ManagerMixin):
            def __init__(self, *args, **kwargs):
                super().__init__("x")


def test_empty_or_non_str_name_is_refused():
    class Named(ManagerMixin):
        pass

    with pytest.raises(TypeError, match="non-empty str name, got ''"):
        Named.get_instance("")
    with pytest.raises(TypeError, match="got 3"):
        Named(name=3)
