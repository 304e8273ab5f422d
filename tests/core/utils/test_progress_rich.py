"""track_progress_rich: results in task order, serial or in a process pool, under a rich bar."""

import operator

import pytest

from treadle.utils import track_progress_rich

CODE = (
    "import operator\n"
    "from treadle.utils import track_progress_rich\n"
    "print(track_progress_rich(operator.mul, [(1, 2), (3, 4), [5, 6]], description='Multiplying',"
    " color='red'))\n"
    "print(track_progress_rich(operator.neg, range(7), nproc=2, chunksize=2))\n"
)


def test_serial_and_pooled_runs_draw_a_bar(python):
    out = python(CODE).stdout
    assert "[2, 12, 30]" in out
    assert "[0, -1, -2, -3, -4, -5, -6]" in out  # pool results back in task order
    assert "Multiplying" in out and "3/3" in out
    assert "Processing" in out and "7/7" in out


def test_task_forms():
    assert track_progress_rich(abs, [-1, -2]) == [1, 2]  # a non-tuple task is one argument
    assert track_progress_rich(operator.add, [("a", "b")]) == ["ab"]  # a tuple is unpacked
    assert track_progress_rich(dict, task_num=3) == [{}, {}, {}]  # no tasks: func() n times
    assert track_progress_rich(abs, iter([-3, 4])) == [3, 4]  # an iterator without a length
    assert track_progress_rich(len, [{"a": 1}]) == [1]  # a dict is passed as it is


def test_bad_arguments():
    with pytest.raises(TypeError, match="func must be a callable object, got 3"):
        track_progress_rich(3, [1])
    with pytest.raises(TypeError, match="tasks must be iterable, got int"):
        track_progress_rich(abs, 5)
    with pytest.raises(ValueError, match="tasks is empty: set task_num"):
        track_progress_rich(abs)
    with pytest.raises(ValueError, match="task_num=3 does not match the 2 tasks given"):
        track_progress_rich(abs, [1, 2], task_num=3)
    with pytest.raises(ValueError, match="nproc must be a positive number of processes, got 0"):
        track_progress_rich(abs, [1], nproc=0)
    with pytest.raises(ValueError, match="color 'notacolor' is not a rich colour"):
        track_progress_rich(abs, [1], color="notacolor")
