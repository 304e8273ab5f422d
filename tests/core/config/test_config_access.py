"""Config and ConfigDict: access at every depth, errors naming the key path, copies, pickling."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping

import pytest
from config_parity import CORPUS

from treadle.config import Config, ConfigDict, ReservedKeyError
from treadle.registry import Registry


def test_attribute_and_item_access_at_every_depth() -> None:
    cfg = Config(dict(model=dict(backbone=dict(depth=50)), pipeline=[dict(type="A")]))
    assert cfg.model.backbone.depth == cfg["model"]["backbone"]["depth"] == 50
    assert cfg.pipeline[0].type == "A"
    assert isinstance(cfg.model, ConfigDict) and isinstance(cfg.pipeline[0], ConfigDict)
    cfg.model.backbone.depth = 101
    cfg["model"].neck = dict(type="FPN")
    cfg.optimizer = dict(lr=0.1)
    assert cfg.model.backbone.depth == 101
    assert cfg.model.neck.type == "FPN"
    assert cfg.optimizer.lr == 0.1
    assert "optimizer" in cfg and len(cfg) == 3


def test_missing_attribute_names_the_key_path() -> None:
    cfg = Config(dict(model=dict(backbone=dict(depth=50)), pipeline=[dict(type="A")]))
    with pytest.raises(AttributeError, match=r"'model\.backbone\.dpeth'.*did you mean 'depth'"):
        cfg.model.backbone.dpeth  # noqa: B018
    with pytest.raises(AttributeError, match=r"'pipeline\.0\.scale'"):
        cfg.pipeline[0].scale  # noqa: B018
    with pytest.raises(AttributeError, match=r"'optimizer' is not set"):
        cfg.optimizer  # noqa: B018
    with pytest.raises(KeyError):
        cfg["optimizer"]


def test_methods_cannot_be_overwritten_as_attributes() -> None:
    cfg = ConfigDict(a=1)
    with pytest.raises(AttributeError, match="read-only"):
        cfg.items = 1
    cfg["items"] = 1
    assert dict.__getitem__(cfg, "items") == 1


def test_config_is_a_mapping_that_build_from_cfg_accepts() -> None:
    registry = Registry("things")

    @registry.register_module()
    class Thing:
        def __init__(self, size: int) -> None:
            self.size = size

    cfg = Config(dict(type="Thing", size=3))
    assert isinstance(cfg, Mapping)
    assert registry.build(cfg).size == 3
    assert dict(cfg) == {"type": "Thing", "size": 3}


def test_to_dict_copy_deepcopy_pickle_equality() -> None:
    cfg = Config.fromfile(CORPUS / "inherit_list.py")
    plain = cfg.to_dict()
    assert type(plain["model"]) is dict and type(plain["train_pipeline"][0]) is dict
    assert cfg == plain and cfg == Config(plain)
    shallow = copy.copy(cfg)
    deep = copy.deepcopy(cfg)
    revived = pickle.loads(pickle.dumps(cfg))
    assert shallow == deep == revived == cfg
    assert revived.filename == cfg.filename and revived.text == cfg.text
    assert isinstance(revived.model.backbone, ConfigDict)
    deep.model.backbone.depth = 1
    assert cfg.model.backbone.depth == 101
    shallow.new = 1
    assert "new" not in cfg
    shallow.model.backbone.depth = 2  # a shallow copy shares the nested dicts
    assert cfg.model.backbone.depth == 2
    assert cfg.copy() == cfg and cfg != Config(dict(a=1))


def test_filename_text_and_env_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREADLE_PARITY_SET", "x")
    path = str(CORPUS / "env_vars.py")
    cfg = Config.fromfile(path)
    assert cfg.filename == path
    assert cfg.env_variables == {"TREADLE_PARITY_SET": "x"}
    level = Config.fromfile(CORPUS / "level2.py")
    # the text lists each file of the chain, bases first, each headed by its path
    assert level.text.index("level1.py\n") < level.text.index("level2.py\n")
    assert "level = 2" in level.text


@pytest.mark.parametrize("key", ["filename", "text", "pretty_text", "env_variables"])
def test_reserved_top_level_key_is_rejected(tmp_path, key: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(f"{key} = 1\n")
    with pytest.raises(ReservedKeyError, match=rf"'{key}' is reserved.*bad\.py.*Rename"):
        Config.fromfile(path)
    with pytest.raises(KeyError, match="reserved"):
        Config({key: 1})


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("a = 1\nb = dict(c=[1, 2])\n", ".py"),
        ('{"a": 1, "b": {"c": [1, 2]}}', ".json"),
        ("a: 1\nb:\n  c: [1, 2]\n", ".yaml"),
        ("a = 1\n[b]\nc = [1, 2]\n", ".toml"),
    ],
)
def test_fromstring_every_format(text: str, fmt: str) -> None:
    cfg = Config.fromstring(text, fmt)
    assert cfg.to_dict() == {"a": 1, "b": {"c": [1, 2]}}
    assert cfg.b.c == [1, 2]


def test_fromstring_rejects_unknown_format() -> None:
    with pytest.raises(OSError, match=r"\.ini"):
        Config.fromstring("a=1", ".ini")


def test_configdict_update_merges_nested_dicts() -> None:
    cfg = ConfigDict(model=dict(a=1, b=dict(c=2)))
    cfg.update(model=dict(b=dict(d=3)))
    assert cfg.to_dict() == {"model": {"a": 1, "b": {"c": 2, "d": 3}}}


def test_configdict_merge_honours_delete() -> None:
    cfg = ConfigDict(model=dict(a=1, b=2), keep=1)
    cfg.merge(dict(model=dict(_delete_=True, c=3)))
    assert cfg.to_dict() == {"model": {"c": 3}, "keep": 1}


def test_missing_attribute_in_a_loaded_config_names_the_full_path() -> None:
    cfg = Config.fromfile(CORPUS / "sub" / "level4.py")
    with pytest.raises(AttributeError, match=r"'model\.backbone\.norm_cfg\.typo' is not set"):
        cfg.model.backbone.norm_cfg.typo  # noqa: B018
    with pytest.raises(AttributeError, match=r"'train_dataloader\.dataset\.nope' is not set"):
        cfg.train_dataloader.dataset.nope  # noqa: B018
    with pytest.raises(AttributeError, match=r"'train_pipeline\.1\.nope' is not set"):
        cfg.train_pipeline[1].nope  # noqa: B018


def test_diff_shows_changed_lines() -> None:
    text = Config.diff(str(CORPUS / "level1.py"), str(CORPUS / "level2.py"))
    assert "-level = 1" in text and "+level = 2" in text
    assert "+default_scope = 'mmpretrain'" in text


def test_utf8_bom_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes("a = 'é'\n".encode("utf-8-sig"))
    assert Config.fromfile(path).a == "é"


def test_fromstring_resolves_relative_bases_against_the_working_directory(
    tmp_path, monkeypatch
) -> None:
    (tmp_path / "base.yaml").write_text("lr: 0.1\nkeep: 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromstring("_base_ = 'base.yaml'\nlr = 0.5\n", ".py")
    assert cfg.to_dict() == {"lr": 0.5, "keep": 1}
    assert cfg.filename is None and "lr = 0.5" in cfg.text
