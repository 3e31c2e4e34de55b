"""Holter reports: one self-contained HTML file per record (figures embedded) and the
same figures as JSON.

:func:`report_record` annotates a record (WFDB, EDF or ISHNE, read on demand) and
writes its report; :func:`write_report` writes the report of a record already annotated;
:func:`holter_summary` gives the figures alone. Needs Jinja2 (``pip install
"ecg_sklearn[report]"``).
"""

from ._events import (
    PAUSE_SECONDS,
    af_episodes,
    class_runs,
    ectopy,
    heart_rate_per_minute,
    hourly_counts,
    pauses,
)
from ._figures import plot_heart_rate, plot_hourly_ectopy
from ._html import report_record, write_report
from ._summary import holter_summary, notable_events

__all__ = [
    "PAUSE_SECONDS",
    "af_episodes",
    "class_runs",
    "ectopy",
    "heart_rate_per_minute",
    "holter_summary",
    "hourly_counts",
    "notable_events",
    "pauses",
    "plot_heart_rate",
    "plot_hourly_ectopy",
    "report_record",
    "write_report",
]
