"""Registry: registration, lookup through the scope tree, and MMEngine's semantics."""

from __future__ import annotations

import sys
import textwrap

import pytest

from treadle.registry import DefaultScope, Registry, RegistryError, build_from_cfg


def make_tree():
    root = Registry("model", scope="core")
    alpha = Registry("model", parent=root, scope="alpha")
    beta = root.child("beta")
    return root, alpha, beta


def test_register_as_decorator_call_and_alias_list():
    reg = Registry("thing", scope="t")

    @reg.register_module()
    class A:
        pass

    @reg.register_module(name=["B1", "B2"])
    class B:
        pass

    def make_c(x=1):
        return ("c", x)

    assert reg.register_module(module=make_c) is make_c
    assert reg.get("A") is A
    assert reg.get("B1") is B and reg.get("B2") is B
    assert reg.build(dict(type="make_c", x=3)) == ("c", 3)
    assert len(reg) == 4 and "B2" in reg and "Nope" not in reg
    assert reg.get("Nope") is None


def test_duplicate_name_names_both_definitions_and_force_replaces():
    reg = Registry("thing", scope="t")

    @reg.register_module()
    class Same:
        pass

    first = Same

    class Same:
        pass

    with pytest.raises(KeyError) as info:
        reg.register_module(module=Same)
    message = str(info.value)
    assert (
        f"{__name__}.test_duplicate_name_names_both_definitions_and_force_replaces.<locals>.Same"
        in message
    )
    assert "force=True" in message and "'thing'" in message
    assert reg.get("Same") is first
    reg.register_module(module=Same, force=True)
    assert reg.get("Same") is Same
    reg.register_module(module=Same)  # the very same object again is harmless


def test_register_rejects_bad_arguments():
    reg = Registry("thing", scope="t")
    with pytest.raises(TypeError, match="force must be a bool"):
        reg.register_module(force=1)
    with pytest.raises(TypeError, match="name must be None, a str or a list of str"):
        reg.register_module(name=3)
    with pytest.raises(TypeError, match="only classes and functions"):
        reg.register_module(module=42)


def test_lookup_falls_back_to_parents_and_jumps_to_any_scope():
    root, alpha, beta = make_tree()

    @root.register_module()
    class RootOnly:
        pass

    @alpha.register_module()
    class AlphaNet:
        pass

    @beta.register_module(name="AlphaNet")
    class BetaNet:
        pass

    assert alpha.get("RootOnly") is RootOnly  # parent fallback
    assert alpha.get("AlphaNet") is AlphaNet
    assert beta.get("AlphaNet") is BetaNet  # the nearest definition wins
    assert beta.get("alpha.AlphaNet") is AlphaNet  # sibling by scope
    assert root.get("beta.AlphaNet") is BetaNet  # child by scope
    assert alpha.get("core.RootOnly") is RootOnly  # parent by scope
    assert alpha.get("alpha.AlphaNet") is AlphaNet  # own scope named explicitly
    assert root.get("AlphaNet") is None  # unscoped lookups never descend
    assert root.children == {"alpha": alpha, "beta": beta}
    assert alpha.root is root and beta.parent is root


def test_child_is_get_or_create_and_duplicate_scope_is_refused():
    root, alpha, _ = make_tree()
    assert root.child("alpha") is alpha
    with pytest.raises(KeyError, match=r"already has a child with scope 'alpha'.*child\('alpha'\)"):
        Registry("model", parent=root, scope="alpha")


def test_children_inherit_the_build_function():
    calls = []

    def build_loudly(cfg, *args, registry, **kwargs):
        calls.append((cfg["type"], registry.scope))
        return build_from_cfg(cfg, registry, **kwargs)

    root = Registry("act", build_func=build_loudly, scope="core")
    child = Registry("act", parent=root, scope="kid")

    @child.register_module()
    class Tanh:
        pass

    assert isinstance(child.build(dict(type="Tanh")), Tanh)
    assert calls == [("Tanh", "kid")]


def test_scope_is_inferred_from_the_defining_package():
    assert Registry("x").scope == __name__.split(".")[0]
    namespace = {"__name__": "acme_pkg.registry"}  # as if acme_pkg/registry.py ran this
    exec("from treadle.registry import Registry\nMODELS = Registry('model')", namespace)
    assert namespace["MODELS"].scope == "acme_pkg"
    # MMEngine's static method, for subclasses that infer in their own constructor
    exec("def make():\n    return Registry.infer_scope()\nscope = (lambda: make())()", namespace)
    assert namespace["scope"] == "acme_pkg"


def test_default_args_fill_missing_keys_only():
    reg = Registry("thing", scope="t")

    @reg.register_module()
    class P:
        def __init__(self, a, b=0):
            self.a, self.b = a, b

    obj = reg.build(dict(type="P", a=1), default_args=dict(a=5, b=2))
    assert (obj.a, obj.b) == (1, 2)
    obj = build_from_cfg(dict(a=7), reg, default_args=dict(type="P"))
    assert obj.a == 7
    assert isinstance(reg.build(dict(type=P, a=0)), P)  # a class as type


def test_scope_key_in_cfg_and_default_scope_switch_the_starting_registry():
    root, alpha, beta = make_tree()
    seen = []

    @alpha.register_module(name="Net")
    class AlphaNet:
        def __init__(self, inner=None):
            # nested builds inside the constructor see the switched scope
            seen.append(DefaultScope.current_scope_name())
            self.inner = root.build(inner) if inner else None

    @beta.register_module(name="Net")
    class BetaNet:
        pass

    @alpha.register_module(name="Head")
    class AlphaHead:
        pass

    assert isinstance(root.build(dict(type="Net", _scope_="beta")), BetaNet)
    net = root.build(dict(type="Net", _scope_="alpha", inner=dict(type="Head")))
    assert isinstance(net.inner, AlphaHead) and seen == ["alpha"]
    assert DefaultScope.get_current_instance() is None  # restored afterwards
    with DefaultScope.overwrite_default_scope("beta"):
        assert isinstance(root.build(dict(type="Net")), BetaNet)
        assert isinstance(root.build(dict(type="alpha.Net")), AlphaNet)
    scope = DefaultScope.get_instance("test-default-scope", scope_name="alpha")
    try:
        assert scope.scope_name == "alpha"
        assert isinstance(root.build(dict(type="Net")), AlphaNet)
        # a default scope with no registry in this tree leaves the registry in charge
        with (
            DefaultScope.overwrite_default_scope("no_such_scope"),
            root.switch_scope_and_registry(None) as registry,
        ):
            assert registry is root
    finally:
        DefaultScope._instance_dict.pop("test-default-scope")


def test_locations_are_imported_on_first_lookup(tmp_path, monkeypatch):
    (tmp_path / "lazy_components.py").write_text(
        textwrap.dedent(
            """
            from treadle.registry import Registry
            import lazy_registry
            @lazy_registry.REG.register_module()
            class LazyThing:
                pass
            """
        )
    )
    (tmp_path / "lazy_registry.py").write_text(
        "from treadle.registry import Registry\n"
        "REG = Registry('lazy', scope='lazy', locations=['lazy_components'])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import lazy_registry

    assert "lazy_components" not in sys.modules
    assert lazy_registry.REG.get("LazyThing").__name__ == "LazyThing"
    assert "lazy_components" in sys.modules
    assert lazy_registry.REG.locations == ["lazy_components"]


def test_a_broken_location_raises_naming_the_module(tmp_path, monkeypatch):
    (tmp_path / "broken_components.py").write_text("raise RuntimeError('kaput')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = Registry("thing", scope="t", locations=["broken_components"])
    with pytest.raises(ImportError, match=r"broken_components.*kaput") as info:
        reg.get("Anything")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_dotted_import_path_is_a_last_resort():
    reg = Registry("thing", scope="t")
    import collections

    assert reg.get("collections.OrderedDict") is collections.OrderedDict
    assert reg.build(dict(type="collections.OrderedDict", a=1)) == {"a": 1}


def test_manager_mixin_classes_are_fetched_by_name():
    from treadle.utils.manager import ManagerMixin

    reg = Registry("thing", scope="t")

    @reg.register_module()
    class Hub(ManagerMixin):
        def __init__(self, name, size=1):
            super().__init__(name)
            self.size = size

    first = reg.build(dict(type="Hub", name="hub-a", size=3))
    assert reg.build(dict(type="Hub", name="hub-a")) is first
    assert Hub.get_current_instance() is first and first.size == 3


def test_repr_lists_names_and_where_they_come_from():
    reg = Registry("thing", scope="t")

    @reg.register_module()
    class Shown:
        pass

    text = repr(reg)
    assert "Registry(name='thing', scope='t', items=1" in text
    assert "Shown" in text and f"{__name__}." in text


class TestBadCfg:
    def setup_method(self):
        self.reg = Registry("thing", scope="t")

        @self.reg.register_module()
        class Strict:
            def __init__(self, size):
                if size < 0:
                    raise ValueError(f"size must be >= 0, got {size}")

        @self.reg.register_module()
        class Lookup:
            def __init__(self):
                {}["missing"]

        self.Strict = Strict

    def test_cfg_not_a_mapping(self):
        with pytest.raises(
            TypeError, match=r"cfg must be a dict-like mapping, got list: \['Strict'\]"
        ):
            self.reg.build(["Strict"])

    def test_no_type(self):
        with pytest.raises(KeyError, match=r"must contain the key 'type'.*\{'size': 1\}"):
            self.reg.build(dict(size=1))

    def test_type_neither_str_nor_callable(self):
        with pytest.raises(TypeError, match=r"'type' must be a str or a class/function, got int 3"):
            self.reg.build(dict(type=3))

    def test_constructor_error_shows_class_cfg_and_original_message(self):
        with pytest.raises(ValueError) as info:
            self.reg.build(dict(type="Strict", size=-1))
        message = str(info.value)
        assert "TestBadCfg.setup_method.<locals>.Strict failed to build" in message
        assert "{'type': 'Strict', 'size': -1}" in message
        assert "size must be >= 0, got -1" in message
        assert isinstance(info.value.__cause__, ValueError)

    def test_constructor_type_error_keeps_its_type(self):
        with pytest.raises(
            TypeError, match=r"Strict failed to build.*unexpected keyword argument 'colour'"
        ):
            self.reg.build(dict(type="Strict", size=1, colour="red"))

    def test_constructor_key_error_is_a_readable_key_error(self):
        with pytest.raises(KeyError) as info:
            self.reg.build(dict(type="Lookup"))
        assert str(info.value).startswith(
            f"{__name__}.TestBadCfg.setup_method.<locals>.Lookup failed"
        )
        assert "KeyError: 'missing'" in str(info.value)

    def test_unknown_type_names_registry_and_scopes(self):
        with pytest.raises(RegistryError) as info:
            self.reg.build(dict(type="Strikt", size=1))
        message = str(info.value)
        assert "'Strikt' is not registered in registry 'thing'" in message
        assert "Scopes searched: t." in message
        assert "Did you mean 'Strict'?" in message


def test_init_default_scope_creates_then_switches_with_a_warning():
    from treadle.registry import init_default_scope

    table = DefaultScope._instance_dict
    before = dict(table)
    try:
        init_default_scope("alpha_scope")
        assert DefaultScope.current_scope_name() == "alpha_scope"
        init_default_scope("alpha_scope")  # idempotent
        assert len(table) == len(before) + 1
        DefaultScope.get_instance("other", scope_name="beta_scope")
        with pytest.warns(UserWarning, match="switching the default scope to 'alpha_scope'"):
            init_default_scope("alpha_scope")
        assert DefaultScope.current_scope_name() == "alpha_scope"
    finally:
        table.clear()
        table.update(before)
