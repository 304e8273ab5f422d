"""The last_checkpoint marker and falling back to the newest checkpoint that loads."""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
import torch

from treadle.runner.checkpoint import (
    CheckpointError,
    UnsafeCheckpointError,
    find_latest_checkpoint,
    find_loadable_checkpoint,
    save_checkpoint,
    write_last_checkpoint,
)


@pytest.fixture
def logger():
    return logging.getLogger("test-ckpt-latest")


def _save_epochs(work_dir, epochs) -> list[str]:
    paths = []
    for epoch in epochs:
        path = os.path.join(work_dir, f"epoch_{epoch}.pth")
        save_checkpoint(
            {"meta": {"epoch": epoch}, "state_dict": {"w": torch.full((64,), epoch)}}, path
        )
        write_last_checkpoint(work_dir, path)
        paths.append(path)
    return paths


def test_marker_round_trip_and_absence(tmp_path):
    assert find_latest_checkpoint(tmp_path) is None
    write_last_checkpoint(tmp_path, "/somewhere/epoch_3.pth")
    assert (tmp_path / "last_checkpoint").read_text() == "/somewhere/epoch_3.pth"
    assert find_latest_checkpoint(tmp_path) == "/somewhere/epoch_3.pth"
    write_last_checkpoint(tmp_path, "s3://bucket/run/iter_100.pth")
    assert find_latest_checkpoint(str(tmp_path)) == "s3://bucket/run/iter_100.pth"
    assert sorted(os.listdir(tmp_path)) == ["last_checkpoint"]  # atomic: no temporary left


def test_marker_on_s3(s3_dir: str, s3_args: dict[str, Any]):
    write_last_checkpoint(f"{s3_dir}/run", f"{s3_dir}/run/epoch_1.pth", backend_args=s3_args)
    assert find_latest_checkpoint(f"{s3_dir}/run", s3_args) == f"{s3_dir}/run/epoch_1.pth"


def test_newest_checkpoint_that_loads_is_the_marked_one(tmp_path, logger, caplog):
    paths = _save_epochs(tmp_path, [1, 2, 3])
    with caplog.at_level(logging.WARNING, logger=logger.name):
        path, checkpoint = find_loadable_checkpoint(tmp_path, logger=logger)
    assert path == paths[-1] and checkpoint["meta"]["epoch"] == 3
    assert caplog.text == ""


def test_corrupt_latest_falls_back_to_the_previous_good_one_with_a_warning(
    tmp_path, logger, caplog
):
    paths = _save_epochs(tmp_path, [1, 2, 10])
    with open(paths[-1], "r+b") as f:  # truncate the newest, as a full disk would
        f.truncate(os.path.getsize(paths[-1]) // 3)
    with caplog.at_level(logging.WARNING, logger=logger.name):
        path, checkpoint = find_loadable_checkpoint(tmp_path, logger=logger)
    assert path == paths[1] and checkpoint["meta"]["epoch"] == 2  # 2 < 10: numeric order
    assert "epoch_10.pth" in caplog.text and "truncated or corrupt" in caplog.text
    assert "resuming from" in caplog.text and "epoch_2.pth" in caplog.text


def test_marker_pointing_to_a_missing_file_falls_back(tmp_path, logger):
    _save_epochs(tmp_path, [4, 5])
    write_last_checkpoint(tmp_path, str(tmp_path / "epoch_6.pth"))  # deleted by max_keep_ckpts
    path, checkpoint = find_loadable_checkpoint(tmp_path, logger=logger)
    assert path.endswith("epoch_5.pth") and checkpoint["meta"]["epoch"] == 5


def test_checkpoints_in_another_out_dir_are_found_next_to_the_marked_one(tmp_path, logger):
    work_dir, out_dir = tmp_path / "work", tmp_path / "out" / "work"
    work_dir.mkdir()
    paths = _save_epochs(out_dir, [1, 2])
    write_last_checkpoint(work_dir, paths[-1])
    os.remove(paths[-1])
    path, _ = find_loadable_checkpoint(work_dir, logger=logger)
    assert path == paths[0]


def test_iter_checkpoints_without_marker_are_scanned(tmp_path, logger):
    for it in (50, 100, 150):
        save_checkpoint({"meta": {"iter": it}}, tmp_path / f"iter_{it}.pth")
    save_checkpoint({"meta": {"iter": 999}}, tmp_path / "best_acc_iter_999.pth")
    path, checkpoint = find_loadable_checkpoint(tmp_path, logger=logger)
    assert path.endswith("iter_150.pth") and checkpoint["meta"]["iter"] == 150


def test_no_checkpoint_at_all_is_none(tmp_path, logger):
    assert find_loadable_checkpoint(tmp_path, logger=logger) is None
    assert find_loadable_checkpoint(tmp_path / "absent", logger=logger) is None


def test_nothing_loadable_raises_listing_every_failure(tmp_path, logger):
    paths = _save_epochs(tmp_path, [1, 2])
    for path in paths:
        with open(path, "wb") as f:
            f.write(b"garbage")
    with pytest.raises(CheckpointError, match=r"(?s)no checkpoint in it loads.*epoch_2.*epoch_1"):
        find_loadable_checkpoint(tmp_path, logger=logger)


class Custom:
    """Not plain data: weights_only=True refuses it."""


def test_a_checkpoint_refused_by_weights_only_is_not_skipped(tmp_path, logger):
    _save_epochs(tmp_path, [1])
    unsafe = tmp_path / "epoch_2.pth"
    torch.save({"meta": {"epoch": 2}, "extra": Custom()}, unsafe)
    write_last_checkpoint(tmp_path, str(unsafe))
    with pytest.raises(UnsafeCheckpointError, match=r"epoch_2\.pth.*weights_only=False"):
        find_loadable_checkpoint(tmp_path, logger=logger)
    path, checkpoint = find_loadable_checkpoint(tmp_path, logger=logger, weights_only=False)
    assert path == str(unsafe) and checkpoint["meta"]["epoch"] == 2


def test_relative_and_absolute_spellings_of_one_file_are_tried_once(
    tmp_path, logger, caplog, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    _save_epochs("work", [1])
    (tmp_path / "work" / "epoch_2.pth").write_bytes(b"broken")
    write_last_checkpoint("work", str(tmp_path / "work" / "epoch_2.pth"))
    with caplog.at_level(logging.WARNING, logger=logger.name):
        path, _ = find_loadable_checkpoint("work", logger=logger)
    assert os.path.samefile(path, tmp_path / "work" / "epoch_1.pth")
    assert caplog.text.count("skipping checkpoint") == 1
