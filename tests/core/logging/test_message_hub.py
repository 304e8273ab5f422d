"""MessageHub: named instances, scalars and info, and a weights-only checkpoint round trip."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import torch

from treadle.logging import HistoryBuffer, MessageHub, MMLogger


def _hub() -> MessageHub:
    return MessageHub.get_instance(f"hub-{uuid.uuid4().hex}")


def test_instances_by_name_and_current():
    hub = _hub()
    assert MessageHub.get_instance(hub.instance_name) is hub
    assert MessageHub.get_current_instance() is hub
    newer = _hub()
    assert MessageHub.get_current_instance() is newer


def test_scalars_as_the_guide_shows():
    hub = _hub()
    hub.update_scalar("train/loss", 1, 1)
    assert hub.get_scalar("train/loss").current() == 1
    hub.update_scalar("train/loss", 3, 1)
    assert hub.get_scalar("train/loss").mean() == pytest.approx(2.0)
    hub.update_scalars(
        {"train/time": {"value": 0.1, "count": 1}, "train/data_time": 0.2, "train/lr": 0.01}
    )
    assert list(hub.log_scalars) == ["train/loss", "train/time", "train/data_time", "train/lr"]
    assert hub.get_scalar("train/data_time").current() == pytest.approx(0.2)
    hub.update_scalar("train/acc", torch.tensor([0.5]))
    hub.update_scalar("train/acc", np.float32(0.25))
    assert hub.get_scalar("train/acc").data[0].tolist() == [0.5, 0.25]


def test_info_overwrites_and_pops():
    hub = _hub()
    hub.update_info("iter", 1)
    hub.update_info("iter", 2)
    assert hub.get_info("iter") == 2 and hub.runtime_info["iter"] == 2
    assert hub.get_info("missing", "dflt") == "dflt"
    hub.update_info_dict({"epoch": 3, "meta": {"repo": "x"}})
    assert hub.pop_info("epoch") == 3 and hub.get_info("epoch") is None


def test_bad_values_are_named():
    hub = _hub()
    with pytest.raises(TypeError, match=r"'train/x'.*update_info"):
        hub.update_scalar("train/x", "high")
    with pytest.raises(ValueError, match=r"'train/x'.*3 elements"):
        hub.update_scalar("train/x", torch.ones(3))
    with pytest.raises(KeyError, match="'train/y' is not a scalar"):
        hub.get_scalar("train/y")
    with pytest.raises(KeyError, match="without 'value'"):
        hub.update_scalars({"train/z": {"count": 2}})
    hub.update_info("seed", 1, resumed=False)
    with pytest.raises(ValueError, match=r"'seed'.*resumed=False.*resumed=True"):
        hub.update_info("seed", 2)


def test_state_dict_loads_with_weights_only(tmp_path):
    hub = _hub()
    for value in (0.5, 0.25, 0.125):
        hub.update_scalar("train/loss", value)
    hub.update_scalar("train/count", 3)
    hub.update_scalar("train/time", 0.1, resumed=False)
    hub.update_info("epoch", 4)
    hub.update_info("dataset_meta", {"classes": ("a", "b"), "palette": np.array([[1, 2, 3]])})
    hub.update_info("tensor", torch.arange(3))
    hub.update_info("exp", "x", resumed=False)
    torch.save({"message_hub": hub.state_dict()}, tmp_path / "ckpt.pth")

    state = torch.load(tmp_path / "ckpt.pth", weights_only=True)["message_hub"]
    restored = _hub().load_state_dict(state)
    assert restored.get_scalar("train/loss").data[0].tolist() == [0.5, 0.25, 0.125]
    assert restored.get_scalar("train/count").current() == 3
    assert "train/time" not in restored.log_scalars and restored.get_info("exp") is None
    assert restored.get_info("epoch") == 4
    assert restored.get_info("dataset_meta") == {"classes": ("a", "b"), "palette": [[1, 2, 3]]}
    assert torch.equal(restored.get_info("tensor"), torch.arange(3))
    restored.update_scalar("train/loss", 1.0)  # it keeps working after a resume
    assert restored.get_scalar("train/loss").mean(2) == pytest.approx(0.5625)


def test_state_dict_skips_what_weights_only_cannot_hold(caplog):
    hub = _hub()
    hub.update_info("fn", lambda: None)
    hub.update_info("ok", [1, 2])
    current = MMLogger.get_current_instance()
    current.addHandler(caplog.handler)
    try:
        state = hub.state_dict()
    finally:
        current.removeHandler(caplog.handler)
    assert list(state["runtime_info"]) == ["ok"]
    assert "'fn'" in caplog.text and "function" in caplog.text


def test_load_state_dict_accepts_mmengine_style_buffers_and_names_bad_state():
    hub = _hub()
    hub.load_state_dict(
        {
            "log_scalars": {"train/loss": HistoryBuffer([1.0, 3.0], [1, 1])},
            "runtime_info": {"iter": 7},
            "resumed_keys": {"train/loss": True, "iter": True},
        }
    )
    assert hub.get_scalar("train/loss").mean() == pytest.approx(2.0)
    assert hub.get_info("iter") == 7
    with pytest.raises(KeyError, match=r"lacks \['resumed_keys'\]"):
        hub.load_state_dict({"log_scalars": {}, "runtime_info": {}})
