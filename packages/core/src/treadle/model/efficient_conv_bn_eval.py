"""``cfg.efficient_conv_bn_eval``: a convolution followed by a BatchNorm in eval mode (a
frozen backbone's, e.g. OpenMMLab's ``norm_eval=True``) runs as one convolution whose weight
and bias have the BatchNorm folded in. The convolution's output is then never stored for
backward, which saves memory and time, and gradients still reach the convolution and the
BatchNorm's affine parameters. A BatchNorm in train mode keeps its usual path.

The pairs are found by tracing each named submodule with ``torch.fx``: a ``Conv1d/2d/3d``
call whose output goes only into a BatchNorm call.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import fx, nn
from torch.nn.modules.batchnorm import _BatchNorm

from treadle.model.utils import named_submodules

_FOLDABLE_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)  # transposed convs keep C_out in dim 1


def conv_then_bn(conv: nn.Module, bn: _BatchNorm, x: torch.Tensor) -> torch.Tensor:
    """``bn(conv(x))``; with ``bn`` in eval mode, as one convolution with ``bn`` folded in."""
    if bn.training or bn.running_var is None:
        return bn(conv(x))
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    bias = (conv_bias - bn.running_mean) * scale
    if bn.bias is not None:
        bias = bias + bn.bias
    weight = conv.weight * scale.reshape(-1, *[1] * (conv.weight.dim() - 1))
    return conv._conv_forward(x, weight, bias)


def _fold_pairs(traced: fx.GraphModule) -> int:
    """Replace each conv -> BatchNorm pair of calls in ``traced`` by one ``conv_then_bn``
    call; the number of pairs."""
    modules = dict(traced.named_modules())
    graph = traced.graph
    pairs = []
    for node in graph.nodes:
        if node.op != "call_module" or not isinstance(modules[node.target], _BatchNorm):
            continue
        source = node.args[0] if len(node.args) == 1 and not node.kwargs else None
        if (
            isinstance(source, fx.Node)
            and source.op == "call_module"
            and type(modules[source.target]) in _FOLDABLE_CONVS
            and len(source.args) == 1
            and not source.kwargs
            and len(source.users) == 1  # the conv's output is needed nowhere else
        ):
            pairs.append((source, node))
    for conv_node, bn_node in pairs:
        with graph.inserting_before(bn_node):
            conv = graph.get_attr(conv_node.target)
            bn = graph.get_attr(bn_node.target)
            folded = graph.call_function(conv_then_bn, (conv, bn, conv_node.args[0]))
        bn_node.replace_all_uses_with(folded)
        graph.erase_node(bn_node)
        graph.erase_node(conv_node)
    graph.lint()
    traced.recompile()
    return len(pairs)


def turn_on_efficient_conv_bn_eval(model: nn.Module, modules: str | list[str]) -> dict[str, int]:
    """Fold eval-mode BatchNorms into the convolutions before them inside ``modules``
    (dotted names in ``model``, e.g. ``'backbone'``); the pairs found in each."""
    found = {}
    for name, module in named_submodules(model, modules, "efficient_conv_bn_eval"):
        try:
            traced = fx.symbolic_trace(module)
        except Exception as error:
            raise RuntimeError(
                f"efficient_conv_bn_eval: torch.fx cannot trace {name!r} "
                f"({type(module).__name__}): {error}. Name a submodule whose forward has no "
                "control flow that depends on its inputs (e.g. 'backbone')"
            ) from error
        found[name] = _fold_pairs(traced)
        module.forward = traced.forward
    return found


def maybe_fold_conv_bn(model: nn.Module, modules: Any, logger: Any) -> None:
    """Apply ``cfg.efficient_conv_bn_eval`` (None: nothing to do) to the unwrapped model."""
    if modules is None:
        return
    found = turn_on_efficient_conv_bn_eval(model, modules)
    logger.info(f"efficient_conv_bn_eval: conv + BatchNorm pairs folded in eval mode: {found}")
