"""The deployment tests: a failed one shows the last lines of every process's log."""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    deployment = getattr(item, "_deployment", None)
    if report.failed and deployment is not None:
        report.sections.append(("Logs of the deployment's processes", deployment.report()))
    return report
