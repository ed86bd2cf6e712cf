"""Plain data carried between the pipeline stages (read -> validate -> weigh -> report)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class ReadOptions:
    """How to read one input file; every field None means 'detect'."""

    input_format: str | None = None  # csv | xlsx | parquet
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None  # "." or ","
    sheet: str | None = None  # name or 1-based index as text
    #: Per-input encodings (`--encoding cases=utf-16`) as (path, encoding) pairs: the
    #: input read from that path uses that encoding instead of `encoding`.
    encodings: tuple[tuple[str, str], ...] = ()

    def for_path(self, path: str) -> ReadOptions:
        """These options for the input read from `path` (its own encoding, if given)."""
        chosen = dict(self.encodings).get(path)
        return replace(self, encoding=chosen) if chosen else self


@dataclass(frozen=True)
class InputOptions:
    """The input options every reading command shares (--staff, --reductions,
    --snapshot, --mapping and how to read each file), as one typed value."""

    staff: str | None = None
    reductions: str | None = None
    snapshot: str | None = None
    mapping: str | None = None
    reading: ReadOptions = field(default_factory=ReadOptions)
    what_if: str | None = None  # --what-if: see core.vocabulary.WHAT_IFS
    activities: str | None = None  # --activities: work that is not a case


@dataclass
class Table:
    """One input file as read, before validation.

    `frame` keeps values as text (CSV, xlsx) or as typed Arrow-backed columns
    (Parquet fast path); the validators accept both. `row_numbers[i]` is the
    row number a person sees for frame row i (spreadsheet rows: the header is
    row 1, so the first record is row 2; Parquet: 1-based record index).
    """

    frame: pd.DataFrame
    source: str
    row_numbers: np.ndarray
    decimal: str = "."
    notes: list[str] = field(default_factory=list)
    cell_problems: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SchemeStamp:
    """What every output says about the scheme that made it."""

    name: str
    version: str
    fingerprint: str
    title: str = ""
    overrides: tuple[str, ...] = ()  # --set changes applied on top of the named scheme
    #: The canonical text whose SHA-256 is `fingerprint` (sorted-key JSON of every value):
    #: carried in every output's provenance, so anyone can re-hash it or weigh with it again.
    canonical: str = field(default="", repr=False, compare=False)
    #: What its loads are counted in: cases, points or hours (`scheme.model.SchemeModel.unit`).
    unit: str = "cases"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "fingerprint": self.fingerprint,
            "title": self.title,
            "overrides": list(self.overrides),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Chart:
    """A chart of one report table: drawn with matplotlib in html and pdf, as a
    native chart in xlsx, and (bars only) as a column of text bars in the
    terminal table and Markdown.

    `section` names the table (`Report.sections[section]`, or the main table
    when it is `MAIN`). `kind` says what is drawn from its rows:
    - `bars`: one bar per row, labelled by `category`, as high as `value`; bars
      whose `highlight_column` lies within `highlight_range` (both ends
      included) stand out. `text_columns`, when given, are the columns the text
      renderings show beside the bars (csv and json keep every column).
    - `load`: one horizontal bar per row (`category` the label, `value` the
      length) with a tick at `marker` (a worker's load against their capacity).
    - `lines`: one line per distinct `series` value, `value` against `category`
      (a group's utilisation week by week); with `facet`, a small chart (panel)
      per distinct `facet` value, each with its own scale (every scorecard
      measure week by week).
    - `grid`: a cell per (`category`, `series`) pair holding `value`, in the
      row's band colour (the scorecard's RAG grid).
    - `tornado`: one panel per distinct `series` value (all rows in one panel
      when None), one pair of horizontal bars per row in table order, from 0 to
      `value` and to `marker` (a headline's change at the low and the high end of
      a setting's range), labelled by `category`; the two `text_columns`, when
      given, label the ends of the two bars (the values the setting took).
    `references` are labelled lines across the value axis (the 20/25/40 per-FTE
    levels, a band's limit). Only names and numbers, so it costs nothing to
    carry to writers that cannot draw.
    """

    section: str
    category: str
    value: str
    title: str = ""
    x_title: str = ""
    y_title: str = ""
    description: str = ""  # what the chart shows, for screen readers; the title when empty
    highlight_column: str | None = None
    highlight_range: tuple[float, float] | None = None
    text_columns: tuple[str, ...] = ()
    kind: str = "bars"  # bars | load | lines | grid | tornado
    marker: str | None = None  # load: the column ticked on each bar
    series: str | None = None  # lines: the column naming each line
    facet: str | None = None  # lines: the column naming each panel (small multiples)
    references: tuple[tuple[float, str], ...] = ()  # (value, label) lines across the value axis


#: `Chart.section` of a chart drawn from the report's main table.
MAIN = ""


@dataclass
class Report:
    """A renderable result: one main table plus optional named sections.

    Every writer (table, csv, json, ndjson, xlsx, parquet, markdown, html)
    renders this one structure, so CLI output always equals library output.
    """

    title: str
    rows: pd.DataFrame
    schemes: list[SchemeStamp]
    accounting: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, pd.DataFrame] = field(default_factory=dict)
    band_column: str | None = "band"
    band_colours: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    decimals: int = 2  # places shown in table/markdown/html/xlsx; machine formats keep all
    charts: list[Chart] = field(default_factory=list)  # drawn by html, pdf, xlsx, table, markdown
    #: A column of the main table whose values each get their own page (html,
    #: pdf) or sheet (xlsx): one team per page when a week covers several.
    split_by: str | None = None
    #: What the run was made from besides the scheme (`reports.provenance`): the input
    #: files (`inputs`: kind, path, bundled, sha256, rows), the snapshot's `snapshot_source`
    #: and the command line (`argv`). Renderers add the tool version, the export schema
    #: version, the snapshot and the schemes' canonical text (`render.stamps.provenance`).
    provenance: dict[str, Any] = field(default_factory=dict)

    def viewing(self, section: str, main_name: str) -> Report:
        """The same report with `section` as its main table, for formats that hold
        only one table (csv, ndjson, parquet); the old main table becomes `main_name`."""
        if section not in self.sections:
            from caseload_cli.core.errors import UsageError

            raise UsageError(f"no section {section!r}; sections: {', '.join(self.sections)}")
        others = {k: v for k, v in self.sections.items() if k != section}
        title = f"{self.title}: {section.replace('_', ' ')}"
        return replace(
            self,
            title=title,
            rows=self.sections[section],
            sections={main_name: self.rows, **others},
            band_column=self.band_column if self.band_column in self.sections[section] else None,
            metadata={**self.metadata, "view": section, "sheet": section[:31]},
            charts=[_moved(chart, section, main_name) for chart in self.charts],
            split_by=self.split_by if self.split_by in self.sections[section] else None,
        )


def _moved(chart: Chart, section: str, main_name: str) -> Chart:
    """`chart` after `section` became the main table and the main table `main_name`."""
    if chart.section == section:
        return replace(chart, section=MAIN)
    return replace(chart, section=main_name) if chart.section == MAIN else chart
