"""HistoryBuffer: the behaviour the MMEngine guide documents, plus trimming and errors."""

from __future__ import annotations

import numpy as np
import pytest

from treadle.logging import HistoryBuffer


def test_init_and_data_as_the_guide_shows():
    logs, counts = HistoryBuffer().data
    assert logs.tolist() == [] and counts.tolist() == []
    logs, counts = HistoryBuffer([1, 2, 3], [1, 2, 3]).data
    assert logs.tolist() == [1, 2, 3] and counts.tolist() == [1, 2, 3]
    assert logs.dtype == np.int64
    with pytest.warns(UserWarning, match="exceed max_length=2"):
        buffer = HistoryBuffer([1, 2, 3], [1, 2, 3], max_length=2)
    assert buffer.data[0].tolist() == [2, 3]


def test_update_and_statistics():
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    buffer.update(4)
    buffer.update(5, 2)
    logs, counts = buffer.data
    assert logs.tolist() == [1, 2, 3, 4, 5] and counts.tolist() == [1, 1, 1, 1, 2]
    assert buffer.current() == 5 and isinstance(buffer.current(), int)
    assert buffer.min(2) == 4 and buffer.min() == 1
    assert buffer.max(2) == 5 and buffer.max() == 5
    assert buffer.mean(2) == pytest.approx(9 / 3)
    assert buffer.mean() == pytest.approx(15 / 6)
    assert HistoryBuffer([1, 2, 3], [2, 2, 2]).mean() == pytest.approx(1.0)
    buffer.update(0.5)
    assert buffer.current() == 0.5 and isinstance(buffer.max(), float)


def test_statistics_by_name_and_registration():
    buffer = HistoryBuffer([1, 2, 3], [1, 1, 1])
    assert buffer.statistics("mean") == pytest.approx(2.0)
    assert buffer.statistics("mean", 2) == pytest.approx(2.5)
    with pytest.raises(TypeError):
        buffer.statistics("mean", 2, 3)
    with pytest.raises(KeyError, match=r"no statistics method 'data'.*register_statistics"):
        buffer.statistics("data")

    # the guide's custom statistic reads the numpy histories, as MMEngine's do
    @HistoryBuffer.register_statistics
    def weighted_sum_test(self, window_size, weight):
        return (self._log_history[-window_size:] * np.array(weight)).sum()

    assert HistoryBuffer([1, 2], [1, 1]).statistics("weighted_sum_test", 2, [2, 1]) == 4
    with pytest.raises(ValueError, match="already registered"):
        HistoryBuffer.register_statistics(weighted_sum_test)


def test_long_history_keeps_the_newest_max_length_values():
    buffer = HistoryBuffer(max_length=10)
    for value in range(1000):
        buffer.update(float(value))
        assert buffer.min() == max(0, value - 9)
        assert len(buffer.data[0]) == min(value + 1, 10)
    assert buffer.data[0].tolist() == [float(v) for v in range(990, 1000)]
    assert buffer.mean() == pytest.approx(sum(range(990, 1000)) / 10)
    assert buffer.mean(100) == buffer.mean()  # a window wider than the kept history


def test_bad_input_is_named():
    buffer = HistoryBuffer()
    with pytest.raises(ValueError, match="empty"):
        buffer.current()
    with pytest.raises(ValueError, match="empty"):
        buffer.mean()
    with pytest.raises(TypeError, match=r"int or float.*item"):
        buffer.update("1")
    buffer.update(1.0)
    with pytest.raises(ValueError, match="window_size must be >= 1"):
        buffer.mean(0)
    with pytest.raises(TypeError, match="window_size must be an int"):
        buffer.max("epoch")
    with pytest.raises(ValueError, match="2 values and 1 counts"):
        HistoryBuffer([1, 2], [1])
