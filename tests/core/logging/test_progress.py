"""ProgressReporter draws a rich bar on a terminal and nothing elsewhere."""

from __future__ import annotations

CODE = (
    "from treadle.logging import MMLogger, ProgressReporter\n"
    "logger = MMLogger.get_instance('p')\n"
    "with ProgressReporter(7, 'Validating') as progress:\n"
    "    print('active', progress.active)\n"
    "    for _ in range(7):\n"
    "        progress.update()\n"
    "    logger.info('logged while drawing')\n"
    "print('closed', progress.active)\n"
)


def test_bar_on_a_terminal(pty_python):
    out = pty_python(CODE)
    assert "active True" in out and "closed False" in out
    assert "Validating" in out and "7/7" in out and "━" in out
    assert "INFO" in out and "logged while drawing" in out


def test_nothing_without_a_terminal(python):
    out = python(CODE).stdout
    assert out.splitlines()[0] == "active False"
    assert "Validating" not in out and "7/7" not in out and "━" not in out
    assert out.splitlines()[-1] == "closed False"
    assert "INFO - logged while drawing" in out
