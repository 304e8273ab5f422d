import pytest

from treadle.hooks import Hook, HookDispatcher, HookError


class Recorder(Hook):
    def __init__(self, name, log, priority=None):
        self.name = name
        self.log = log
        if priority is not None:
            self.priority = priority

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.log.append((self.name, batch_idx))


class Idle(Hook):
    """Overrides nothing: must never be called."""

    def __getattribute__(self, name):
        if name in Hook.stages:
            raise AssertionError(f"Idle.{name} was looked up at dispatch")
        return super().__getattribute__(name)


def test_calls_in_priority_order_stable_for_equal_priorities():
    log = []
    hooks = [
        Recorder("normal-1", log),
        Recorder("low", log, "LOW"),
        Recorder("normal-2", log),
        Recorder("highest", log, 0),
        Recorder("normal-3", log, 50),
        Recorder("very-high", log, "VERY_HIGH"),
    ]
    dispatcher = HookDispatcher(hooks)
    dispatcher.call("before_train_iter", None, batch_idx=7)
    assert [name for name, _ in log] == [
        "highest",
        "very-high",
        "normal-1",
        "normal-2",
        "normal-3",
        "low",
    ]
    assert all(idx == 7 for _, idx in log)


def test_register_later_goes_after_equal_priority_and_can_override_priority():
    log = []
    dispatcher = HookDispatcher([Recorder("a", log), Recorder("b", log, "LOW")])
    dispatcher.register(Recorder("c", log))
    late = Recorder("d", log)
    dispatcher.register(late, priority="HIGHEST")
    assert late.priority == "HIGHEST"
    dispatcher.call("before_train_iter", None, batch_idx=0)
    assert [name for name, _ in log] == ["d", "a", "c", "b"]
    with pytest.raises(ValueError, match="between 0 and 100"):
        dispatcher.register(Recorder("e", log), priority=120)
    assert len(dispatcher.hooks) == 4


def test_hooks_that_do_not_override_a_point_are_never_called():
    log = []
    idle = Idle()
    dispatcher = HookDispatcher([idle, Recorder("r", log)])
    for point in Hook.stages:
        if point != "before_train_iter":
            dispatcher.call(point, None, batch_idx=0)
            assert not dispatcher.has(point)
    dispatcher.call("before_train_iter", None, batch_idx=1)
    assert log == [("r", 1)] and dispatcher.has("before_train_iter")
    assert dispatcher.hooks[0] is idle  # registered, just never called


def test_mode_helpers_count_as_overrides():
    seen = []

    class EveryEpoch(Hook):
        def _after_epoch(self, runner, mode="train"):
            seen.append(mode)

    dispatcher = HookDispatcher([EveryEpoch()])
    for point in ("after_train_epoch", "after_val_epoch", "after_test_epoch", "before_val_epoch"):
        dispatcher.call(point, None)
    assert seen == ["train", "val", "test"]


def test_duck_typed_hooks_and_custom_points():
    class Plain:  # not a Hook subclass (MMEngine accepts any object with the methods)
        priority = "LOW"

        def __init__(self):
            self.calls = []

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.calls.append(("iter", batch_idx))

        def after_custom_step(self, runner, value):
            self.calls.append(("custom", value))

    plain = Plain()
    dispatcher = HookDispatcher([plain])
    dispatcher.call("after_train_iter", None, batch_idx=2)
    dispatcher.call("after_custom_step", None, value=5)
    dispatcher.call("before_train", None)
    assert plain.calls == [("iter", 2), ("custom", 5)]


def test_an_error_names_hook_priority_and_point_with_the_cause_chained():
    class Broken(Hook):
        priority = "ABOVE_NORMAL"

        def after_val_epoch(self, runner, metrics=None):
            raise ZeroDivisionError("metric blew up")

    with pytest.raises(HookError) as info:
        HookDispatcher([Broken()]).call("after_val_epoch", None, metrics={})
    message = str(info.value)
    assert "Broken" in message and "ABOVE_NORMAL" in message and "after_val_epoch" in message
    assert "ZeroDivisionError: metric blew up" in message
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert info.value.point == "after_val_epoch" and type(info.value.hook).__name__ == "Broken"


def test_info_lists_points_with_hooks_and_priorities():
    log = []
    text = HookDispatcher([Recorder("x", log, 12)]).info()
    assert text.splitlines()[:2] == ["before_train_iter:", "(12          ) Recorder"]
    assert "after_run" not in text
