"""DefaultOptimWrapperConstructor and build_optim_wrapper: paramwise_cfg, custom constructors."""

from collections import OrderedDict

import pytest
import torch
from torch import nn

from treadle.optim import DefaultOptimWrapperConstructor, OptimWrapper, build_optim_wrapper
from treadle.registry import OPTIM_WRAPPER_CONSTRUCTORS


class ToyModel(nn.Module):
    """The user guide's model: backbone.layer0/1, head.linear and head.bn."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.ModuleDict(dict(layer0=nn.Linear(1, 1), layer1=nn.Linear(1, 1)))
        self.head = nn.Sequential(OrderedDict(linear=nn.Linear(1, 1), bn=nn.BatchNorm1d(1)))


class ConvModel(nn.Module):
    """Conv, depth-wise conv, norm and a bare 1-D parameter."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.dwconv = nn.Conv2d(4, 4, 3, groups=4, bias=False)
        self.gn = nn.GroupNorm(2, 4)
        self.scale = nn.Parameter(torch.ones(4))
        self.frozen = nn.Linear(2, 2)
        self.frozen.requires_grad_(False)


def _settings(model: nn.Module, wrapper: OptimWrapper) -> dict[str, dict]:
    """Parameter name -> its group's lr/weight_decay."""
    by_id = {id(p): name for name, p in model.named_parameters()}
    out = {}
    for group in wrapper.optimizer.param_groups:
        for param in group["params"]:
            out[by_id[id(param)]] = {"lr": group["lr"], "weight_decay": group["weight_decay"]}
    return out


def test_plain_config_uses_one_group_and_default_type():
    model = ToyModel()
    wrapper = build_optim_wrapper(model, dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)))
    assert type(wrapper) is OptimWrapper
    assert len(wrapper.optimizer.param_groups) == 1
    assert len(wrapper.optimizer.param_groups[0]["params"]) == 8


def test_norm_decay_mult_zeroes_norm_layers_only():
    model = ToyModel()
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.01, weight_decay=0.0001),
        paramwise_cfg=dict(norm_decay_mult=0),
    )
    settings = _settings(model, build_optim_wrapper(model, cfg))
    assert settings["head.bn.weight"]["weight_decay"] == 0
    assert settings["head.bn.bias"]["weight_decay"] == 0
    assert settings["head.linear.weight"]["weight_decay"] == 0.0001
    assert all(s["lr"] == 0.01 for s in settings.values())


def test_custom_keys_longest_key_wins_and_options_are_copied():
    model = ToyModel()
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.01, weight_decay=0.0001),
        paramwise_cfg=dict(
            custom_keys={
                "backbone.layer0": dict(lr_mult=0, decay_mult=0),
                "backbone": dict(lr_mult=1),
                "head": dict(lr_mult=0.1),
            }
        ),
    )
    wrapper = build_optim_wrapper(model, cfg)
    settings = _settings(model, wrapper)
    assert settings["backbone.layer0.weight"] == {"lr": 0.0, "weight_decay": 0.0}
    assert settings["backbone.layer1.bias"] == {"lr": 0.01, "weight_decay": 0.0001}
    assert settings["head.bn.weight"] == {"lr": pytest.approx(0.001), "weight_decay": 0.0001}
    layer0_group = next(g for g in wrapper.optimizer.param_groups if g["lr"] == 0.0)
    assert layer0_group["lr_mult"] == 0 and layer0_group["decay_mult"] == 0


def test_bias_dwconv_flat_and_model_wide_multipliers():
    model = ConvModel()
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1, weight_decay=0.01),
        paramwise_cfg=dict(
            bias_lr_mult=2.0,
            bias_decay_mult=0.0,
            dwconv_decay_mult=0.5,
            flat_decay_mult=0.3,
            norm_decay_mult=0.1,
            lr_mult=0.5,
            decay_mult=3.0,
        ),
    )
    settings = _settings(model, build_optim_wrapper(model, cfg))
    assert settings["conv.bias"] == {"lr": 0.2, "weight_decay": 0.0}
    assert settings["conv.weight"] == {"lr": 0.05, "weight_decay": pytest.approx(0.03)}
    assert settings["dwconv.weight"] == {"lr": 0.05, "weight_decay": 0.005}
    # norm-layer bias: norm rules win over bias rules; lr falls back to lr_mult
    assert settings["gn.bias"] == {"lr": 0.05, "weight_decay": pytest.approx(0.001)}
    assert settings["gn.weight"]["weight_decay"] == pytest.approx(0.001)
    assert settings["scale"] == {"lr": 0.05, "weight_decay": pytest.approx(0.003)}
    # frozen parameters are left out of the optimizer (MMEngine 0.10.7 does the same)
    assert "frozen.weight" not in settings and "frozen.bias" not in settings


def test_bypass_duplicate_skips_shared_parameters():
    model = ToyModel()
    model.shared = model.backbone.layer0  # the same parameters reachable twice
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.01, weight_decay=0.0001),
        paramwise_cfg=dict(norm_decay_mult=0),
    )
    # named_parameters() deduplicates, add_params walks modules: torch refuses the duplicate
    with pytest.raises(ValueError, match="more than one parameter group"):
        build_optim_wrapper(model, cfg)
    cfg["paramwise_cfg"]["bypass_duplicate"] = True
    with pytest.warns(UserWarning, match="bypass_duplicate=True") as record:
        wrapper = build_optim_wrapper(model, cfg)
    skipped = sorted(str(w.message).split()[0] for w in record)
    assert skipped == ["shared.bias", "shared.weight"]
    assert sum(len(g["params"]) for g in wrapper.optimizer.param_groups) == 8


def test_custom_key_matching_nothing_warns_with_the_names():
    model = ToyModel()
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.01),
        paramwise_cfg=dict(custom_keys={"backbone.layer9": dict(lr_mult=0), "head": {}}),
    )
    with pytest.warns(UserWarning, match=r"custom_keys \['backbone\.layer9'\] match no parameter"):
        build_optim_wrapper(model, cfg)


def test_unknown_paramwise_key_warns_listing_known_keys():
    with pytest.warns(UserWarning, match=r"\['norm_decay_mul'\] are not used.*'norm_decay_mult'"):
        DefaultOptimWrapperConstructor(
            dict(optimizer=dict(type="SGD", lr=0.1, weight_decay=1e-4)),
            dict(norm_decay_mul=0),
        )


@pytest.mark.parametrize(
    ("optimizer", "paramwise", "error", "match"),
    [
        (dict(type="SGD", lr=0.1), dict(norm_decay_mult=0), ValueError, "no weight_decay"),
        (
            dict(type="SGD", lr=0.1),
            dict(custom_keys={"head": dict(decay_mult=0)}),
            ValueError,
            r"custom_keys\['head'\]\.decay_mult",
        ),
        (dict(type="Adam"), dict(bias_lr_mult=2), ValueError, "no lr to multiply"),
        (dict(type="SGD", lr=0.1), dict(custom_keys=["head"]), TypeError, "must be a dict"),
    ],
)
def test_inconsistent_paramwise_cfg_is_named(optimizer, paramwise, error, match):
    with pytest.raises(error, match=match):
        build_optim_wrapper(ToyModel(), dict(optimizer=optimizer, paramwise_cfg=paramwise))


def test_missing_optimizer_and_unknown_type_are_named():
    with pytest.raises(KeyError, match="has no 'optimizer' key"):
        build_optim_wrapper(ToyModel(), dict(type="OptimWrapper"))
    with pytest.raises(KeyError, match="Did you mean 'SGD'"):
        build_optim_wrapper(ToyModel(), dict(optimizer=dict(type="SDG", lr=0.1)))


def test_prebuilt_optimizer_is_wrapped_and_config_is_not_mutated():
    model = ToyModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    wrapper = build_optim_wrapper(model, dict(optimizer=optimizer, clip_grad=dict(max_norm=1)))
    assert wrapper.optimizer is optimizer and wrapper.clip_grad_kwargs == {"max_norm": 1}
    cfg = dict(
        type="OptimWrapper",
        optimizer=dict(type="SGD", lr=0.01, weight_decay=1e-4),
        paramwise_cfg=dict(norm_decay_mult=0),
    )
    snapshot = repr(cfg)
    build_optim_wrapper(model, cfg)
    assert repr(cfg) == snapshot


@OPTIM_WRAPPER_CONSTRUCTORS.register_module(force=True)
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """The user guide's custom constructor: each nesting level halves the lr."""

    def __init__(self, optim_wrapper_cfg, paramwise_cfg=None):
        super().__init__(optim_wrapper_cfg, paramwise_cfg=None)
        self.decay_factor = paramwise_cfg.get("decay_factor", 0.5)
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def add_params(self, params, module, prefix="", lr=None):
        lr = self.base_lr if lr is None else lr
        for _, param in module.named_parameters(recurse=False):
            params.append({"params": [param], "lr": lr})
        for name, child in module.named_children():
            child_prefix = f"{prefix}.{name}" if prefix else name
            self.add_params(params, child, child_prefix, lr=lr * self.decay_factor)


def test_custom_constructor_from_the_user_guide():
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.ModuleDict(dict(linear=nn.Linear(1, 1)))
            self.linear = nn.Linear(1, 1)

    model = Model()
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.01, weight_decay=0.0001),
        paramwise_cfg=dict(decay_factor=0.5),
        constructor="LayerDecayOptimWrapperConstructor",
    )
    settings = _settings(model, build_optim_wrapper(model, cfg))
    assert settings["layer.linear.weight"]["lr"] == pytest.approx(0.0025)
    assert settings["linear.bias"]["lr"] == pytest.approx(0.005)
