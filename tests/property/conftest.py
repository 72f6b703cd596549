"""Hypothesis profiles for the property suite.

`dev` (the default) explores randomly and remembers failures in `.hypothesis/`;
`ci` is derandomized (the same examples every run, no example database), so a
red CI run can be replayed exactly. Pick one with HYPOTHESIS_PROFILE=ci (`.ci/run`
does; so does any environment with CI set). Both keep `deadline=None`: Hypothesis'
own deadline would flake on a busy machine; the parsers' 50 ms bound is checked
inside the properties instead (tests/property/timing.py), robustly."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

# a property that drives the real store reuses one runtime (the function-scoped
# `rt` fixture) across its examples: each example compares the store before and
# after itself, so sharing it is intended
_SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]

# no "explain" phase: it re-runs a failing store example hundreds of times to say which
# lines only failures ran (over a minute), and the shrunk example already says enough
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
settings.register_profile("dev", deadline=None, max_examples=200, phases=_PHASES, suppress_health_check=_SHARED)
settings.register_profile("ci", deadline=None, max_examples=300, phases=_PHASES, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=_SHARED)
# a longer hunt, by hand: HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/property
settings.register_profile("thorough", deadline=None, max_examples=1000, phases=_PHASES,
                          suppress_health_check=_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The slowest full answer and import of the run: reported, never asserted
    (a CI machine's speed is not the code's; the pure parsers' bound is asserted)."""
    from tests.property.timing import REPORTED

    lines = [t.report() for t in REPORTED if t.calls]
    if lines:
        terminalreporter.write_sep("-", "property suite: end-to-end timings (reported, not asserted)")
        for line in lines:
            terminalreporter.write_line(line)
