"""Shared pytest hooks."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say where the browser test's screenshots are, so a person can look at what a learner sees."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller reports
        return
    shots = sorted(SCREENSHOTS.glob("*.png")) if SCREENSHOTS.is_dir() else []
    if shots:
        terminalreporter.write_sep("-", f"{len(shots)} screenshots of the notebooks in {SCREENSHOTS}")
        for shot in shots:
            terminalreporter.write_line(f"  {shot.name}")
