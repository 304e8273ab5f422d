"""MMLogger and print_log: console and file formats, flushing, levels, print_log targets."""

from __future__ import annotations

import logging
import re
import uuid

import pytest

from treadle.logging import MMLogger, print_log

CONSOLE_LINE = re.compile(r"^\d\d/\d\d \d\d:\d\d:\d\d - treadle - INFO - hello$")
FILE_LINE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d - treadle - INFO - to the file$")


def _name() -> str:
    return f"log-{uuid.uuid4().hex}"


def test_console_format_and_level(capsys):
    logger = MMLogger.get_instance(_name(), log_level="INFO")
    logger.debug("not shown")
    logger.info("hello")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and CONSOLE_LINE.match(lines[0]), lines
    assert MMLogger.get_current_instance() is logger and logger.log_file is None


def test_file_is_plain_text_with_error_locations(tmp_path, capsys):
    log_file = tmp_path / "20260101_120000" / "20260101_120000.log"
    logger = MMLogger.get_instance(_name(), log_file=str(log_file), log_level="DEBUG")
    logger.info("to the file")
    logger.debug("debug too")
    logger.warning("same warning")
    logger.warning("same warning")
    logger.error("division by zero")
    lines = log_file.read_text().splitlines()
    assert logger.log_file == str(log_file)
    assert FILE_LINE.match(lines[0]), lines[0]
    assert lines[1].endswith(" - treadle - DEBUG - debug too")
    assert [line for line in lines if "same warning" in line] == [lines[2]]
    assert re.search(
        r" - treadle - ERROR - .*test_logger\.py - "
        r"test_file_is_plain_text_with_error_locations - \d+ - division by zero$",
        lines[3],
    )
    assert len(lines) == 4 and "\x1b" not in log_file.read_text()
    assert capsys.readouterr().out.count("same warning") == 1


def test_file_mode_append_and_rotating_handler(tmp_path):
    log_file = tmp_path / "run.log"
    log_file.write_text("earlier line\n")
    MMLogger.get_instance(_name(), log_file=log_file, file_mode="a").info("appended")
    assert log_file.read_text().splitlines()[0] == "earlier line"
    assert log_file.read_text().splitlines()[1].endswith("INFO - appended")

    rotating = tmp_path / "rot.log"
    logger = MMLogger.get_instance(
        _name(),
        log_file=rotating,
        file_handler_cfg=dict(type="RotatingFileHandler", maxBytes=200, backupCount=2),
    )
    for i in range(10):
        logger.info(f"line {i}")
    assert (tmp_path / "rot.log.1").exists() and "line 9" in rotating.read_text()


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown log_level 'LOUD'"):
        MMLogger.get_instance(_name(), log_level="LOUD")
    with pytest.raises(ValueError, match=r"'NoSuchHandler'.*RotatingFileHandler"):
        MMLogger.get_instance(
            _name(), log_file=tmp_path / "x.log", file_handler_cfg=dict(type="NoSuchHandler")
        )


def test_crash_after_logging_loses_nothing(tmp_path, python):
    log_file = tmp_path / "crash.log"
    result = python(
        "import os\n"
        "from treadle.logging import MMLogger\n"
        f"logger = MMLogger.get_instance('crash', log_file={str(log_file)!r})\n"
        "for i in range(3):\n"
        "    logger.info(f'step {i} done')\n"
        "os._exit(1)\n",
        check=False,
    )
    assert result.returncode == 1
    lines = log_file.read_text().splitlines()
    assert [line.rsplit(" - ", 1)[1] for line in lines] == [f"step {i} done" for i in range(3)]


def test_print_log_targets(capsys):
    print_log("plain print")
    print_log("dropped", logger="silent")
    assert capsys.readouterr().out == "plain print\n"

    named = MMLogger.get_instance(_name())
    print_log("via name", logger=named.instance_name, level=logging.WARNING)
    assert capsys.readouterr().out.rstrip().endswith("treadle - WARNING - via name")
    newest = MMLogger.get_instance(_name())
    print_log("via current", logger="current")
    assert capsys.readouterr().out.rstrip().endswith("INFO - via current")
    assert MMLogger.get_current_instance() is newest
    print_log("via object", logger=newest, level=logging.ERROR)
    assert "via object" in capsys.readouterr().out

    with pytest.raises(ValueError, match=r"no MMLogger named 'nobody'.*get_instance"):
        print_log("x", logger="nobody")
    with pytest.raises(TypeError, match="got int"):
        print_log("x", logger=3)


def test_current_instance_is_created_when_none_exists(python):
    out = python(
        "from treadle.logging import MMLogger, MessageHub\n"
        "print(MMLogger.get_current_instance().instance_name,"
        " MessageHub.get_current_instance().instance_name)"
    ).stdout
    assert out.split() == ["treadle", "treadle"]


def test_colours_only_on_a_terminal(pty_python, python):
    code = "from treadle.logging import MMLogger\nMMLogger.get_instance('t').warning('careful')\n"
    on_tty = pty_python(code)
    assert "careful" in on_tty and "\x1b[" in on_tty
    piped = python(code).stdout
    assert piped.rstrip().endswith("treadle - WARNING - careful") and "\x1b" not in piped


def test_import_is_cheap_and_names_are_at_the_top_level(python):
    out = python(
        "import sys, treadle.logging\n"
        "from treadle import HistoryBuffer, LogProcessor, MMLogger, MessageHub, print_log\n"
        "assert MMLogger is treadle.logging.MMLogger and print_log is treadle.logging.print_log\n"
        "print([m for m in ('torch', 'numpy', 'rich') if m in sys.modules])"
    ).stdout
    assert out.strip() == "[]"
