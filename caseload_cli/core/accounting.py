"""The sentences that account for every input row, shared by stderr and report footers."""

from __future__ import annotations

from typing import Any


def accounting_lines(accounting: dict[str, Any], rejects_path: str | None = None) -> list[str]:
    """`3,512 rows read: 3,498 weighed, 14 rejected` preceded by staff, reductions and
    survey-responses lines; a survey on its own ends `600 rows read: 597 used, 3 rejected`."""
    lines = []
    where = ""
    if "responses_read" in accounting:
        if accounting["responses_rejected"]:
            where = f" (written to {rejects_path})" if rejects_path else " (see --rejects FILE)"
        responses = (
            f"{accounting['responses_read']:,} rows read: {accounting['responses_used']:,} used, "
            f"{accounting['responses_rejected']:,} rejected{where}"
        )
        if "rows_read" not in accounting:
            return [responses]
        lines.append(f"responses: {responses}")
    if not all(k in accounting for k in ("rows_read", "weighed", "rejected")):
        return [", ".join(f"{k}: {v}" for k, v in accounting.items())] if accounting else []
    if accounting.get("staff_rows_read") is not None:
        staff_read = accounting["staff_rows_read"]
        staff_rejected = accounting.get("staff_rejected", 0)
        lines.append(
            f"staff: {staff_read:,} rows read: {staff_read - staff_rejected:,} accepted, "
            f"{staff_rejected:,} rejected"
        )
    if accounting.get("reduction_rows_read"):
        read = accounting["reduction_rows_read"]
        rejected = accounting.get("reductions_rejected", 0)
        inactive = accounting.get("reductions_inactive", 0)
        lines.append(
            f"reductions: {read:,} rows read: {read - rejected - inactive:,} applied, "
            f"{inactive:,} not active on the snapshot date, {rejected:,} rejected"
        )
    if "activity_rows_read" in accounting:
        read = accounting["activity_rows_read"]
        rejected = accounting.get("activities_rejected", 0)
        lines.append(
            f"activities: {read:,} rows read: {read - rejected:,} weighed, {rejected:,} rejected"
        )
    any_rejected = sum(
        accounting.get(k, 0)
        for k in ("rejected", "staff_rejected", "reductions_rejected", "activities_rejected")
    )
    where = ""
    if any_rejected:
        where = f" (written to {rejects_path})" if rejects_path else " (see --rejects FILE)"
    unplaced = accounting.get("unplaced_cases", 0)
    outside = (
        f"{unplaced:,} of workers not in the staff file (outside the selection), "
        if unplaced
        else ""
    )
    lines.append(
        f"{accounting['rows_read']:,} rows read: {accounting['weighed'] - unplaced:,} weighed, "
        f"{outside}{accounting['rejected']:,} rejected{where}"
    )
    return lines
