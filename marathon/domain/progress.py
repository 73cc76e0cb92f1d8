"""Progress of a total: milestones crossed and the pace towards the end of the window."""

from __future__ import annotations


def milestones_between(before: int, after: int, goal: int | None) -> int | None:
    """Return the highest milestone crossed going from `before` to `after`, if any.

    Milestones are every 100 up to 1,000, then every 1,000, and the goal.
    """
    if after <= before:
        return None
    crossed = None
    if goal and before < goal <= after:
        crossed = goal
    step_marks = []
    for mark in (100 * (after // 100), 1000 * (after // 1000)):
        step = 100 if mark < 1000 else 1000
        if mark > before and mark > 0 and mark % step == 0:
            step_marks.append(mark)
    if step_marks:
        crossed = max(crossed or 0, max(step_marks))
    return crossed


def pace(total: int, starts: int, ends: int, now: int) -> int:
    """Project the total at the end from the rate so far (after the first 10 minutes)."""
    elapsed = min(now, ends) - starts
    if elapsed < 600_000 or now >= ends:
        return total
    return round(total * (ends - starts) / elapsed)
