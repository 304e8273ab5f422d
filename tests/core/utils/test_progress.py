"""Plain-text progress bars and the loops that drive them, with a real process pool."""

import io
import os

import pytest

from treadle.utils import (
    ProgressBar,
    track_iter_progress,
    track_parallel_progress,
    track_progress,
)


def test_bar_with_a_total():
    out = io.StringIO()
    bar = ProgressBar(4, bar_width=8, file=out)
    assert out.getvalue() == "[        ] 0/4, elapsed: 0s, ETA:"
    bar.update()
    bar.update(3)
    frames = out.getvalue().split("\r")
    assert "1/4" in frames[1] and "task/s" in frames[1] and "ETA:" in frames[1]
    assert frames[-1].startswith("[") and "4/4" in frames[-1]
    drawn = frames[-1][1 : frames[-1].index("]")]
    assert drawn and set(drawn) == {">"}  # complete: the bar is full
    assert bar.completed == 4
    with pytest.raises(ValueError, match="num_tasks must be a positive count, got 0"):
        bar.update(0)


def test_bar_without_a_total():
    out = io.StringIO()
    bar = ProgressBar(file=out)
    bar.update(2)
    assert out.getvalue().startswith("completed: 0, elapsed: 0s")
    assert "completed: 2, elapsed:" in out.getvalue() and "tasks/s" in out.getvalue()


def test_bar_not_started_writes_nothing():
    out = io.StringIO()
    ProgressBar(3, start=False, file=out)
    assert out.getvalue() == ""


def test_track_progress(capsys):
    assert track_progress(pow, [2, 3], exp=2) == [4, 9]
    printed = capsys.readouterr().out  # the default file is sys.stdout at call time
    assert "2/2" in printed and printed.endswith("\n")
    out = io.StringIO()
    assert track_progress(str, (iter(range(3)), 3), file=out) == ["0", "1", "2"]
    assert "3/3" in out.getvalue()
    with pytest.raises(TypeError, match=r"must be \(iterable_of_tasks, number_of_tasks\)"):
        track_progress(str, (1, 2, 3))
    with pytest.raises(TypeError, match=r"\(tasks, count\) tuple or a sequence, got set"):
        track_progress(str, {1, 2})


def test_track_iter_progress():
    out = io.StringIO()
    seen = [task * 2 for task in track_iter_progress(["a", "b"], file=out)]
    assert seen == ["aa", "bb"] and "2/2" in out.getvalue()
    with pytest.raises(TypeError, match=r"\(tasks, count\) tuple or a sequence, got list_iterator"):
        track_iter_progress(iter([1]))  # refused at the call, before iterating


def test_track_parallel_progress_runs_in_worker_processes(tmp_path):
    names = [f"f{i}" for i in range(7)]
    out = io.StringIO()
    # each worker changes into tmp_path first (initializer), so abspath resolves there
    results = track_parallel_progress(
        os.path.abspath, names, 2, initializer=os.chdir, initargs=(str(tmp_path),), file=out
    )
    assert results == [str(tmp_path / n) for n in names]
    assert "7/7" in out.getvalue()
    assert os.getcwd() != str(tmp_path)  # only the workers moved


def test_track_parallel_progress_unordered_and_skip_first():
    out = io.StringIO()
    results = track_parallel_progress(
        abs, list(range(-9, 0)), nproc=2, chunksize=2, skip_first=True, keep_order=False, file=out
    )
    assert sorted(results) == list(range(1, 10))
    # the first nproc * chunksize results warm up; the bar counts the other 5
    assert "5/5" in out.getvalue() and "9/" not in out.getvalue()


def test_track_parallel_progress_checks_arguments():
    with pytest.raises(ValueError, match="nproc must be a positive number of processes, got 0"):
        track_parallel_progress(abs, [1], 0)
    with pytest.raises(TypeError, match=r"\"initargs\" must be a tuple, got \['x'\]"):
        track_parallel_progress(abs, [1], 1, initializer=print, initargs=["x"])
