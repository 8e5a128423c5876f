"""Waiting on a page condition under the app's Content-Security-Policy.

Playwright's `wait_for_function` polls with an eval inside the page, which a policy without 'unsafe-eval'
refuses (as it should: the browser tests run with the real headers). `page.evaluate` runs over the DevTools
protocol and is not subject to the policy, so the condition is polled from here.
"""

from __future__ import annotations

import time


def wait_until(page, expression: str, timeout: float = 30_000) -> None:
    """Poll `expression` (a JavaScript expression) every 50 ms until it is truthy; TimeoutError after
    `timeout` milliseconds, naming the expression."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout:.0f} ms: {expression}")
        time.sleep(0.05)
