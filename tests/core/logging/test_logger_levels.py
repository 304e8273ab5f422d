"""MMLogger.isEnabledFor: a record is only made when one of the logger's handlers takes it."""

from __future__ import annotations

import logging
import uuid

import pytest

from treadle.logging import MMLogger


class Collect(logging.Handler):
    """Keeps every record it is handed."""

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def made_records():
    """The messages of every LogRecord created while the test runs (the real factory)."""
    made: list[str] = []
    factory = logging.getLogRecordFactory()

    def counting(*args, **kwargs):
        record = factory(*args, **kwargs)
        made.append(record.getMessage())
        return record

    logging.setLogRecordFactory(counting)
    try:
        yield made
    finally:
        logging.setLogRecordFactory(factory)


def _logger(tmp_path, level: str = "WARNING") -> MMLogger:
    return MMLogger.get_instance(
        f"levels-{uuid.uuid4().hex}", log_file=str(tmp_path / "run.log"), log_level=level
    )


def test_info_is_disabled_when_every_handler_is_at_warning(tmp_path, made_records, capsys):
    logger = _logger(tmp_path)
    assert [h.level for h in logger.handlers] == [logging.WARNING, logging.WARNING]
    assert not logger.isEnabledFor(logging.INFO)
    assert not logger.isEnabledFor(logging.DEBUG)
    assert logger.isEnabledFor(logging.WARNING) and logger.isEnabledFor(logging.ERROR)
    logger.info("quiet info %s", "arg")
    assert made_records == []  # no record was even made
    logger.warning("loud warning")
    assert made_records == ["loud warning"]
    lines = (tmp_path / "run.log").read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith("WARNING - loud warning")
    out = capsys.readouterr().out
    assert "loud warning" in out and "quiet info" not in out


def test_a_debug_handler_added_later_gets_info_records(tmp_path, made_records, capsys):
    logger = _logger(tmp_path)
    logger.info("before the handler")
    collect = Collect(logging.DEBUG)
    logger.addHandler(collect)
    try:
        assert logger.isEnabledFor(logging.INFO) and logger.isEnabledFor(logging.DEBUG)
        logger.info("after the handler")
        logger.warning("a warning")
    finally:
        logger.removeHandler(collect)
    assert made_records == ["after the handler", "a warning"]
    assert [(r.levelname, r.getMessage()) for r in collect.records] == [
        ("INFO", "after the handler"),
        ("WARNING", "a warning"),
    ]
    lines = (tmp_path / "run.log").read_text().splitlines()  # the file still at WARNING
    assert len(lines) == 1 and lines[0].endswith("WARNING - a warning")
    assert "after the handler" not in capsys.readouterr().out
    # with the handler gone, INFO is off again
    assert not logger.isEnabledFor(logging.INFO)
    logger.info("gone again")
    assert "gone again" not in made_records


def test_raising_a_handler_level_disables_without_set_level(tmp_path, made_records):
    logger = _logger(tmp_path, level="INFO")
    assert logger.isEnabledFor(logging.INFO)
    logger.info("shown")
    for handler in logger.handlers:
        handler.setLevel(logging.ERROR)
    assert not logger.isEnabledFor(logging.WARNING)
    logger.warning("hidden")
    assert made_records == ["shown"]
    assert (tmp_path / "run.log").read_text().splitlines()[-1].endswith("INFO - shown")


def test_logger_level_still_applies(tmp_path, made_records):
    logger = _logger(tmp_path, level="DEBUG")
    logger.setLevel(logging.ERROR)
    assert not logger.isEnabledFor(logging.WARNING)
    logger.warning("below the logger's own level")
    assert made_records == []
    logger.setLevel(logging.NOTSET)
    assert logger.isEnabledFor(logging.DEBUG)
