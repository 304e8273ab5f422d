import glob
import json
import os

import pytest

from treadle.hooks import ProfilerHook


def _log_text(runner):
    for handler in runner.logger.handlers:
        handler.flush()
    with open(f"{runner.log_dir}/{runner.timestamp}.log") as f:
        return f.read()


def _events(path):
    with open(path) as f:
        return json.load(f)["traceEvents"]


def test_profiles_the_first_iterations_and_writes_a_chrome_trace(runner):
    hook = ProfilerHook(by_epoch=False, profile_times=2, json_trace_path="trace.json")
    runner.hooks.register(hook)
    runner.train()
    path = os.path.join(runner.work_dir, "trace.json")
    names = {event.get("name", "") for event in _events(path)}
    assert any("linear" in name or "addmm" in name for name in names)  # the model ran inside
    assert hook._closed
    assert "profiler is profiling" in _log_text(runner)


def test_by_epoch_profiles_one_epoch_and_calls_a_custom_handler(runner):
    seen = []
    hook = ProfilerHook(on_trace_ready=lambda prof: seen.append(len(prof.events())))
    runner.hooks.register(hook)
    runner.train()
    assert len(seen) == 1 and seen[0] > 0


def test_log_trace_writes_the_key_averages_table_to_the_log(runner):
    runner.hooks.register(ProfilerHook(on_trace_ready=dict(type="log_trace", row_limit=5)))
    runner.train()
    assert "Self CPU" in _log_text(runner)  # key_averages().table() header


def test_tb_trace_writes_trace_files_under_the_log_dir(runner):
    runner.hooks.register(ProfilerHook(on_trace_ready=dict(type="tb_trace", dir_name="tb")))
    runner.train()
    traces = glob.glob(os.path.join(runner.log_dir, "tb", "*.pt.trace.json"))
    assert len(traces) == 1 and _events(traces[0])


def test_a_schedule_limits_the_active_steps(runner):
    seen = []
    hook = ProfilerHook(
        by_epoch=False,
        profile_times=4,
        schedule=dict(wait=1, warmup=1, active=2, repeat=1),
        on_trace_ready=lambda prof: seen.append(prof.step_num),
    )
    runner.hooks.register(hook)
    runner.train()
    assert seen == [4]  # traced once, when the 2 active steps (after wait+warmup) ended


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(by_epoch=1), TypeError, "by_epoch must be a bool"),
        (dict(profile_times=0), ValueError, "profile_times must be >= 1"),
        (dict(profile_times=2), ValueError, "only 1 epoch is profiled"),
        (dict(activity_with_cuda="yes"), TypeError, "activity_with_cuda must be a bool"),
        (dict(schedule=[1, 2]), TypeError, "schedule must be a dict"),
        (dict(on_trace_ready="print"), TypeError, "on_trace_ready must be a callable"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        ProfilerHook(**kwargs)


def test_run_level_checks(runner):
    with pytest.raises(ValueError, match=r"profile_times \(20\) exceeds the run's 12 iterations"):
        ProfilerHook(by_epoch=False, profile_times=20).before_run(runner)
    with pytest.raises(ValueError, match="'log_trace' or 'tb_trace', got 'html'"):
        ProfilerHook(on_trace_ready=dict(type="html")).before_run(runner)
