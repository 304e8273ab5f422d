"""Timer, TimerError and check_time (lower bounds only: sleeps last at least as asked)."""

import re
import time

import pytest

from treadle.utils import Timer, TimerError, check_time


def test_readings():
    timer = Timer()
    assert timer.is_running
    time.sleep(0.02)
    first = timer.since_start()
    assert first >= 0.02
    assert timer.since_start() >= first  # the total keeps growing
    time.sleep(0.02)
    lap = timer.since_last_check()
    assert lap >= 0.02
    assert timer.since_start() >= first + lap


def test_not_started_timer_refuses_readings():
    timer = Timer(start=False)
    assert not timer.is_running
    with pytest.raises(TimerError, match="timer is not running") as info:
        timer.since_start()
    assert "start()" in info.value.message
    with pytest.raises(TimerError):
        timer.since_last_check()
    timer.start()
    assert timer.since_last_check() >= 0


def test_context_manager_prints_the_duration(capsys):
    with Timer() as timer:
        time.sleep(0.01)
    assert not timer.is_running
    printed = capsys.readouterr().out
    assert re.fullmatch(r"\d+\.\d{3}\n", printed) and float(printed) >= 0.01
    with Timer(print_tmpl="took {:.1f} s"):
        pass
    assert re.fullmatch(r"took \d+\.\d s\n", capsys.readouterr().out)


def test_check_time_measures_between_calls_per_id():
    assert check_time("utils-test-a") == 0
    time.sleep(0.01)
    assert check_time("utils-test-b") == 0
    time.sleep(0.01)
    assert check_time("utils-test-a") >= 0.02  # both sleeps since a started
    assert check_time("utils-test-b") >= 0.01
