"""``PrepareTTAHook`` and ``build_runner_with_tta``: test with test-time augmentation by
wrapping the runner's model in a TTA model just before testing (MMEngine's; needed where
the model is wrapped at build time, e.g. by FSDP, so the config cannot nest it)."""

from __future__ import annotations

from typing import Any

from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class PrepareTTAHook(Hook):
    """Before testing, replace ``runner.model`` by ``tta_cfg`` built around it (a
    :class:`~treadle.model.BaseTTAModel` subclass's config)."""

    def __init__(self, tta_cfg: dict) -> None:
        if not isinstance(tta_cfg, dict) or "type" not in tta_cfg:
            raise TypeError(
                f"PrepareTTAHook: tta_cfg must be a TTA model's config dict with a 'type', "
                f"got {tta_cfg!r}"
            )
        self.tta_cfg = tta_cfg

    def before_test(self, runner: Any) -> None:
        from treadle.registry import MODELS

        runner.model = MODELS.build(dict(self.tta_cfg, module=runner.model))


def build_runner_with_tta(cfg: Any) -> Any:
    """A runner for ``cfg`` whose test set goes through ``cfg.tta_pipeline`` and whose model
    is wrapped in ``cfg.tta_model`` before testing."""
    from treadle.registry import RUNNERS

    missing = [key for key in ("tta_model", "tta_pipeline") if key not in cfg]
    if missing:
        raise KeyError(f"build_runner_with_tta: the config has no {' and no '.join(missing)}")
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    if "runner_type" in cfg:
        runner = RUNNERS.build(cfg)
    else:
        from treadle.runner import Runner

        runner = Runner.from_cfg(cfg)
    runner.register_hook(PrepareTTAHook(tta_cfg=cfg.tta_model))
    return runner
