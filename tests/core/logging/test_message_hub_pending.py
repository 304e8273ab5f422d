"""MessageHub's pending_scalars / pending_infos are folded in before any read or update,
and HistoryBuffer.extend appends as update() in a loop would."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import torch

from treadle.logging import HistoryBuffer, MessageHub


def _hub() -> MessageHub:
    return MessageHub.get_instance(f"hub-{uuid.uuid4().hex}")


def _values(hub: MessageHub, key: str) -> list:
    return hub.get_scalar(key).data[0].tolist()


# ----------------------------------------------------------------- pending scalars
def test_pending_scalars_seen_by_get_scalar():
    hub = _hub()
    for value in (2.0, 6.0, 1.0):
        hub.pending_scalars["train/loss"].append(value)
    buffer = hub.get_scalar("train/loss")
    assert buffer.current() == 1.0
    assert buffer.mean() == pytest.approx(3.0)
    assert buffer.min() == 1.0 and buffer.max() == 6.0
    logs, counts = buffer.data
    assert logs.tolist() == [2.0, 6.0, 1.0] and counts.tolist() == [1, 1, 1]
    assert not hub.pending_scalars


def test_pending_scalars_seen_by_log_scalars():
    hub = _hub()
    hub.pending_scalars["train/lr"].append(0.1)
    hub.pending_scalars["train/time"].append(0.5)
    scalars = hub.log_scalars
    assert list(scalars) == ["train/lr", "train/time"]
    assert scalars["train/lr"].current() == 0.1 and scalars["train/time"].current() == 0.5
    assert not hub.pending_scalars


def test_pending_scalars_in_state_dict_as_resumed_keys():
    hub = _hub()
    hub.pending_scalars["train/loss"].extend([3.0, 4.0])
    state = hub.state_dict()
    assert state["log_scalars"]["train/loss"]["log_history"].tolist() == [3.0, 4.0]
    assert state["log_scalars"]["train/loss"]["count_history"].tolist() == [1, 1]
    assert state["resumed_keys"]["train/loss"] is True
    assert not hub.pending_scalars and not hub.pending_infos
    restored = _hub().load_state_dict(state)
    assert _values(restored, "train/loss") == [3.0, 4.0]


def test_pending_values_come_before_later_direct_updates():
    hub = _hub()
    hub.update_scalar("x", 1.0)
    hub.pending_scalars["x"].extend([2.0, 3.0])
    hub.update_scalar("x", 4.0)  # folds the pending ones first
    hub.pending_scalars["x"].append(5.0)
    hub.update_scalars({"x": 6.0})
    hub.pending_scalars["x"].append(7.0)
    assert _values(hub, "x") == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_pending_values_of_a_new_key_then_direct_update():
    hub = _hub()
    hub.pending_scalars["y"].append(10.0)
    hub.update_scalar("y", 20.0, count=2)
    assert hub.get_scalar("y").data[1].tolist() == [1, 2]
    assert _values(hub, "y") == [10.0, 20.0]


def test_pending_tensors_and_ints_are_converted_as_update_scalar_does():
    pending, direct = _hub(), _hub()
    values = [3, torch.tensor(1.5), np.float32(0.25), torch.tensor([2.0]), 7]
    pending.pending_scalars["v"].extend(values)
    for value in values:
        direct.update_scalar("v", value)
    ours, theirs = pending.get_scalar("v").data[0], direct.get_scalar("v").data[0]
    assert ours.tolist() == theirs.tolist() == [3.0, 1.5, 0.25, 2.0, 7.0]
    assert ours.dtype == theirs.dtype


def test_pending_ints_keep_the_int_history_as_update_scalar_does():
    pending, direct = _hub(), _hub()
    pending.pending_scalars["n"].extend([1, 2, torch.tensor(3)])
    for value in (1, 2, torch.tensor(3)):
        direct.update_scalar("n", value)
    ours, theirs = pending.get_scalar("n"), direct.get_scalar("n")
    assert ours.data[0].dtype == theirs.data[0].dtype == np.int64
    assert ours.max() == theirs.max() == 3 and isinstance(ours.max(), int)


def test_multi_element_tensor_pending_raises_as_update_scalar_does():
    hub = _hub()
    with pytest.raises(ValueError) as direct_error:
        hub.update_scalar("bad", torch.ones(3))
    hub.update_scalar("bad", 1.0)
    hub.pending_scalars["bad"].extend([2.0, torch.ones(3)])
    with pytest.raises(ValueError) as pending_error:
        hub.get_scalar("bad")
    assert str(pending_error.value) == str(direct_error.value)
    assert "'bad'" in str(pending_error.value) and "3 elements" in str(pending_error.value)


def test_multi_element_tensor_as_first_pending_value_of_a_new_key_raises():
    hub = _hub()
    hub.pending_scalars["fresh"].append(torch.zeros(2, 2))
    with pytest.raises(ValueError, match=r"'fresh'.*4 elements"):
        list(hub.log_scalars)


def test_pending_scalar_on_a_non_resumed_key_raises_the_mismatch():
    hub = _hub()
    hub.update_scalar("local", 1.0, resumed=False)
    hub.pending_scalars["local"].append(2.0)
    with pytest.raises(ValueError, match=r"'local'.*resumed=False.*resumed=True"):
        hub.get_scalar("local")


# ------------------------------------------------------------------- pending infos
def test_pending_infos_seen_by_every_reader_and_resumed():
    hub = _hub()
    hub.pending_infos["iter"] = 5
    assert hub.get_info("iter") == 5
    assert not hub.pending_infos
    hub.pending_infos["eta"] = 12.5
    assert hub.runtime_info["eta"] == 12.5
    hub.pending_infos["epoch"] = 2
    state = hub.state_dict()
    assert state["runtime_info"] == {"iter": 5, "eta": 12.5, "epoch": 2}
    assert {k: state["resumed_keys"][k] for k in ("iter", "eta", "epoch")} == dict.fromkeys(
        ("iter", "eta", "epoch"), True
    )
    hub.pending_infos["iter"] = 6
    assert hub.pop_info("iter") == 6 and hub.get_info("iter") is None


def test_direct_update_info_overrides_a_pending_one():
    hub = _hub()
    hub.pending_infos["iter"] = 1
    hub.update_info("iter", 2)
    assert hub.get_info("iter") == 2
    hub.update_info("iter", 3)
    hub.pending_infos["iter"] = 4  # a later pending value wins in turn
    assert hub.get_info("iter") == 4


def test_pending_info_on_a_non_resumed_key_raises_the_mismatch():
    hub = _hub()
    hub.update_info("local", 1, resumed=False)
    hub.pending_infos["local"] = 2
    with pytest.raises(ValueError, match=r"'local'.*resumed=False.*resumed=True"):
        hub.get_info("local")


# ------------------------------------------------------------------ load_state_dict
def test_load_state_dict_discards_what_was_pending():
    source = _hub()
    source.update_scalar("loss", 1.0)
    source.update_info("iter", 10)
    state = source.state_dict()
    hub = _hub()
    hub.pending_scalars["loss"].append(99.0)
    hub.pending_scalars["other"].append(5.0)
    hub.pending_infos["iter"] = 99
    hub.load_state_dict(state)
    assert not hub.pending_scalars and not hub.pending_infos
    assert _values(hub, "loss") == [1.0]
    assert "other" not in hub.log_scalars
    assert hub.get_info("iter") == 10


def test_load_from_a_hub_includes_its_pending_values():
    source = _hub()
    source.update_scalar("loss", 1.0)
    source.pending_scalars["loss"].extend([2.0, 3.0])
    source.pending_infos["iter"] = 7
    hub = _hub()
    hub.pending_scalars["loss"].append(99.0)
    hub.load_state_dict(source)
    assert _values(hub, "loss") == [1.0, 2.0, 3.0]
    assert hub.get_info("iter") == 7
    assert hub.state_dict()["resumed_keys"]["iter"] is True


# ------------------------------------------------------------- HistoryBuffer.extend
def test_extend_floats_each_with_count_one():
    buffer = HistoryBuffer()
    buffer.update(1.0, 4)
    buffer.extend([2.0, 3.0, 4.0])
    logs, counts = buffer.data
    assert logs.tolist() == [1.0, 2.0, 3.0, 4.0] and counts.tolist() == [4, 1, 1, 1]
    assert buffer.mean() == pytest.approx(10.0 / 7)
    assert buffer.current() == 4.0


def test_extend_with_ints_tracks_ints_as_update_does():
    for values in ([2, 3], [2, 3.5], [2.5, 3]):
        extended, updated = HistoryBuffer([1], [1]), HistoryBuffer([1], [1])
        extended.extend(values)
        for value in values:
            updated.update(value)
        assert extended.data[0].dtype == updated.data[0].dtype, values
        assert extended.data[0].tolist() == updated.data[0].tolist()
        assert type(extended.max()) is type(updated.max())
    ints = HistoryBuffer([1], [1])
    ints.extend([5, 2])
    assert ints.data[0].dtype == np.int64 and ints.max() == 5 and isinstance(ints.max(), int)
    ints.extend([0.5])
    assert ints.data[0].dtype == np.float64


def test_extend_keeps_max_length():
    buffer = HistoryBuffer(max_length=5)
    buffer.extend([float(i) for i in range(12)])
    assert buffer.data[0].tolist() == [7.0, 8.0, 9.0, 10.0, 11.0]
    assert buffer.mean() == pytest.approx(9.0) and buffer.min() == 7.0
    buffer.extend([12.0, 13.0])
    assert buffer.data[0].tolist() == [9.0, 10.0, 11.0, 12.0, 13.0]
    assert buffer.data[1].tolist() == [1, 1, 1, 1, 1]
    ints = HistoryBuffer(max_length=3)
    ints.extend(list(range(10)))
    assert ints.data[0].tolist() == [7, 8, 9]


def test_a_failed_fold_drops_only_the_bad_key_and_folds_nothing_twice():
    hub = MessageHub.get_instance("pending-failed-fold")
    hub.update_scalar("a", 0.0)
    hub.update_scalar("b", 0.0)
    hub.pending_scalars["a"] += [1.0, 2.0]
    hub.pending_scalars["b"] += [1.0, torch.ones(3)]
    with pytest.raises(ValueError, match="'b'"):
        hub.get_scalar("a")
    # the error is raised once; 'a' was folded exactly once and the bad batch of 'b' dropped
    assert hub.get_scalar("a").data[0].tolist() == [0.0, 1.0, 2.0]
    assert hub.get_scalar("b").data[0].tolist() == [0.0]


def test_a_failed_info_fold_raises_once_and_drops_that_value():
    hub = MessageHub.get_instance("pending-failed-info-fold")
    hub.update_info("note", "kept", resumed=False)
    hub.pending_infos["note"] = "pending"
    with pytest.raises(ValueError, match="resumed"):
        hub.get_info("note")
    assert hub.get_info("note") == "kept" and not hub.pending_infos
