"""Work that is not a case, for the bundled sample: four weeks of safeguarding letters,
court duty days, reports filed and training, per FCA, ending at the snapshot.

Letters follow Napo's published figure (EIT workers write 1.6 safeguarding letters a
working day); duty days, reports and training are assumptions, stated as such in
docs/sample-data.md. Drawn from their own random stream, so adding this file changed
no other table of the sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from caseload_cli.core.vocabulary import CASE_HOLDING_ROLES, EIT_TEAM_TYPE, FULL_TIME_HOURS
from caseload_cli.synth.write import write_table

#: Napo survey 2021 (published figure): safeguarding letters a working day, EIT workers.
LETTERS_PER_DAY = 1.6
WORKING_DAYS = 20  # in the four weeks the file covers
PERIOD_DAYS = 28
#: Assumptions (not published): per full-time worker over the four weeks.
DUTY_DAYS = 2.0
REPORTS_FILED = 1.5  # teams after first hearing and public law
TRAINING_HOURS = (0.0, 3.0, 7.5)
TRAINING_SHARE = (0.5, 0.3, 0.2)
_STREAM = 0xAC7

SCHEMA = pa.schema(
    [
        ("worker_id", pa.string()),
        ("activity", pa.string()),
        ("count", pa.int64()),
        ("hours", pa.float64()),
        ("from", pa.date32()),
        ("to", pa.date32()),
    ]
)


def make_activities(staff: pd.DataFrame, snapshot: np.datetime64, seed: int) -> pd.DataFrame:
    """One row per FCA and activity with a non-zero amount, over the four weeks to
    `snapshot` (both ends included)."""
    rng = np.random.default_rng([seed, _STREAM])
    fcas = staff[staff["role"].isin(CASE_HOLDING_ROLES)].reset_index(drop=True)
    fte = fcas["contracted_hours"].to_numpy(dtype="float64") / FULL_TIME_HOURS
    eit = (fcas["team_type"] == EIT_TEAM_TYPE).to_numpy()
    workers = fcas["worker_id"].to_numpy()
    counts = {
        "safeguarding_letter": np.where(eit, rng.poisson(LETTERS_PER_DAY * WORKING_DAYS * fte), 0),
        "court_duty": rng.poisson(DUTY_DAYS * fte),
        "report_written": np.where(eit, 0, rng.poisson(REPORTS_FILED * fte)),
    }
    training = rng.choice(TRAINING_HOURS, size=len(fcas), p=TRAINING_SHARE)
    parts = [
        pd.DataFrame({"worker_id": workers, "activity": code, "count": amount})
        for code, amount in counts.items()
    ]
    parts.append(
        pd.DataFrame(
            {"worker_id": workers, "activity": "training", "hours": training.astype("float64")}
        )
    )
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[(rows["count"].fillna(0) > 0) | (rows["hours"].fillna(0) > 0)]
    rows = rows.sort_values(["worker_id", "activity"], kind="stable").reset_index(drop=True)
    end = pd.Timestamp(snapshot)
    rows["from"] = end - pd.Timedelta(days=PERIOD_DAYS - 1)
    rows["to"] = end
    rows["count"] = rows["count"].astype("Int64")
    return rows


def write_activities(
    frames: dict[str, pd.DataFrame], seed: int, out: Path, formats: Sequence[str], notes: list[str]
) -> list[Path]:
    """`activities.<fmt>` beside the other tables."""
    snapshot = pd.to_datetime(frames["cases"]["snapshot"]).max()
    rows = make_activities(frames["staff"], np.datetime64(snapshot, "D"), seed)
    table = pa.Table.from_pandas(rows, schema=SCHEMA, preserve_index=False)
    return write_table(table, out, "activities", formats, notes)
