"""Holter reports: event counts against an independent count of the reference
annotations, the HTML and JSON written, opened in a real browser, from the CLI."""

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import Bunch

from ecg_sklearn import load_pretrained
from ecg_sklearn.cli import main as cli_main
from ecg_sklearn.io import load_record, sample_data_dir, write_ishne
from ecg_sklearn.report import holter_summary, notable_events, write_report
from ecg_sklearn.shipped import pretrained_info

pytest.importorskip("jinja2", reason="reports need Jinja2 (the report extra)")


def _reference_result(rec, p_af=None):
    """A record's reference annotations in the shape of an annotate_record result."""
    return Bunch(
        beat_samples=rec.beat_samples, beat_labels=rec.beat_labels, fs=rec.fs,
        unanalysable=np.zeros((0, 2), dtype=np.int64), p_af=p_af,
    )  # fmt: skip


def _count_runs(labels, label):
    """Isolated, couplets, runs of 3+ and the longest run, by itertools.groupby."""
    lengths = [len(list(g)) for key, g in itertools.groupby(labels) if key == label]
    return (
        lengths.count(1), lengths.count(2), sum(n >= 3 for n in lengths),
        max([n for n in lengths if n >= 3], default=None),
    )  # fmt: skip


def _pauses(samples, fs, seconds=2.0):
    return [(a, (b - a) / fs) for a, b in itertools.pairwise(samples) if b - a > seconds * fs]


def _minute_rates(samples, fs, n_samples):
    """Beats per minute of each whole minute, from the intervals ending in it."""
    rates = []
    for m in range(int(np.ceil(n_samples / (60 * fs)))):
        ends = [
            (a, b) for a, b in itertools.pairwise(samples) if m * 60 * fs <= b < (m + 1) * 60 * fs
        ]
        rates.append(60 * fs * len(ends) / sum(b - a for a, b in ends) if len(ends) >= 5 else None)
    return rates


def _check_against_reference(rec):
    summary = holter_summary(_reference_result(rec), rec.signal.shape[1], record=rec.record)
    labels = list(rec.beat_labels)
    for c in "SV":
        isolated, couplets, runs, longest = _count_runs(labels, c)
        got = summary[c]
        assert (got["isolated"], got["couplets"], got["runs"]) == (isolated, couplets, runs), c
        assert (got["longest_run"] or {}).get("beats") == longest
        for run in got["run_list"]:  # each run's rate from its first and last beat
            i = int(np.searchsorted(rec.beat_samples, run["sample"]))
            span = rec.beat_samples[i + run["beats"] - 1] - rec.beat_samples[i]
            assert run["rate"] == pytest.approx(60 * rec.fs * (run["beats"] - 1) / span)
            assert set(labels[i : i + run["beats"]]) == {c}
    expected = _pauses(rec.beat_samples, rec.fs)
    assert [p["sample"] for p in summary["pauses"]] == [a for a, _ in expected]
    assert [p["duration"] for p in summary["pauses"]] == pytest.approx([d for _, d in expected])
    rates = _minute_rates(rec.beat_samples, rec.fs, rec.signal.shape[1])
    assert summary["heart_rate"]["per_minute"] == [
        None if r is None else round(r, 1) for r in rates
    ]
    assert summary["counts"]["V"] == labels.count("V") and summary["beats"] == len(labels)
    return summary


@pytest.mark.parametrize("name", ["201", "208", "209", "232", "233"])
def test_event_counts_match_an_independent_count_on_the_excerpt(name):
    summary = _check_against_reference(load_record(name, sample_data_dir(), leads="MLII"))
    assert summary["duration"] == pytest.approx(180.0)


@pytest.mark.full_data
@pytest.mark.parametrize("name", ["207", "223", "232", "203"])
def test_event_counts_match_an_independent_count_on_whole_records(mitdb_dir, name):
    summary = _check_against_reference(load_record(name, mitdb_dir, leads="MLII"))
    if name == "232":  # the record of long pauses (sinus bradycardia, up to 6 s)
        assert len(summary["pauses"]) > 100
    if name == "207":  # runs of ventricular beats
        assert summary["V"]["runs"] > 0


def test_af_episodes_burden_and_unanalysable_time():
    fs, samples = 100.0, np.arange(0, 60_000, 80)  # 10 minutes, 75 beats/min
    p_af = np.zeros(samples.size)
    p_af[100:250] = 0.99  # one episode
    result = Bunch(
        beat_samples=samples, beat_labels=np.full(samples.size, "N"), fs=fs, p_af=p_af,
        unanalysable=np.array([[30_000, 36_000]]),
    )  # fmt: skip
    summary = holter_summary(result, 60_000)
    assert summary["analysable"] == pytest.approx(540.0)
    (episode,) = summary["af"]["episodes"]
    assert (episode["sample"], episode["stop"]) == (8000, 19920)
    assert summary["af"]["burden"] == pytest.approx(119.2 / 540.0)
    rates = summary["heart_rate"]["per_minute"]
    assert rates[5] is None and rates[0] == pytest.approx(75.0)  # minute 5 is unanalysable
    assert [title for title, _ in notable_events(summary)][0] == "Onset of the longest AF episode"


@pytest.fixture(scope="module")
def report_233(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rec = load_record("233", sample_data_dir(), leads="MLII")
    from ecg_sklearn import annotate_record

    result = annotate_record(load_pretrained(), rec.signal, rec.fs, detect_af=True)
    model = pretrained_info("mitdb-ds1")
    html, summary = write_report(result, rec.signal, rec.fs, out, record="233", model=model)
    return html, summary, result


def test_report_writes_html_and_json(report_233):
    html, summary_path, result = report_233
    summary = json.loads(summary_path.read_text())
    assert summary["beats"] == len(result.beat_samples) > 250
    assert summary["counts"]["V"] == int(np.sum(result.beat_labels == "V"))
    text = html.read_text()
    assert "Not a diagnosis" in text and "mitdb-ds1" in text and "233_report.json" in text
    card = pretrained_info("mitdb-ds1")["card"]["rows"][0]  # the model card's figures
    assert card["data"] in text and f"{100 * card['S_f1']:.1f}%" in text
    assert "http" not in text.replace("http-equiv", "")  # nothing fetched from the network
    assert text.count("data:image/png;base64,") >= 4  # heart rate, hourly, clusters, strips


def test_report_opens_in_a_browser_without_errors(report_233):
    pytest.importorskip("playwright", reason="Playwright not installed (the docs extra has it)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    try:
        import check_site
    finally:
        sys.path.pop(0)
    if check_site.find_chromium() is None:
        pytest.skip("no Chromium (apt-get install chromium, or set CHROMIUM)")
    html = report_233[0]
    shot = html.parent / "shots"
    problems = check_site.check_pages(
        html.parent, [html.name], screenshot_dir=shot, screenshots=[html.name]
    )
    assert problems == {}
    assert (shot / "233_report.png").stat().st_size > 10_000


def test_cli_report_on_an_ishne_holter_file(tmp_path, capsys):
    parts = [load_record(r, sample_data_dir(), leads="MLII") for r in ("100", "201", "232")]
    signal = np.concatenate([p.signal for p in parts], axis=1)
    path = write_ishne(tmp_path / "holter.ecg", signal, 360, ["MLII"])
    out = tmp_path / "out"
    assert cli_main(["report", str(path), "--lead", "II", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "holter_report.json").read_text())
    assert summary["duration"] == pytest.approx(540.0) and summary["record"] == "holter"
    assert (out / "holter_report.html").stat().st_size > 50_000
    assert cli_main(["report", str(tmp_path / "missing.ecg"), "--out", str(out)]) == 2
    assert "not found" in capsys.readouterr().err


def test_cli_report_on_the_excerpt_and_a_24_hour_record(tmp_path):
    out = tmp_path / "out"
    assert cli_main(["report", str(sample_data_dir() / "100"), "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "100_report.json").read_text())["beats"] > 200
    # 24 hours: the excerpt's eight records (24 minutes) joined 60 times.
    names = ("100", "201", "208", "209", "213", "223", "232", "233")
    day = np.concatenate([load_record(r, sample_data_dir(), leads="MLII").signal for r in names], 1)
    path = write_ishne(tmp_path / "day.ecg", np.tile(day, 60), 360, ["MLII"])
    assert cli_main(["report", str(path), "--lead", "II", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "day_report.json").read_text())
    assert summary["duration"] == pytest.approx(24 * 3600.0)
    assert len(summary["heart_rate"]["per_minute"]) == 1440 and len(summary["hourly"]["V"]) == 24
    assert summary["beats"] > 50_000 and (out / "day_report.html").stat().st_size > 100_000


def test_report_of_a_record_without_beats(tmp_path):
    from ecg_sklearn import annotate_record

    signal = np.zeros((1, 360 * 120), dtype=np.float32)  # two minutes of lead-off
    with pytest.warns(UserWarning):
        result = annotate_record(load_pretrained(), signal, 360.0, detect_af=True)
    html, summary_path = write_report(result, signal, 360.0, tmp_path, record="flat")
    summary = json.loads(summary_path.read_text())
    assert summary["beats"] == 0 and summary["analysable"] == pytest.approx(0.0)
    assert summary["heart_rate"]["mean"] is None and "No notable event" in html.read_text()


def test_the_start_time_comes_from_wfdb_edf_and_ishne_headers(tmp_path):
    import datetime

    import pyedflib
    import wfdb

    from ecg_sklearn.io import open_record

    when = datetime.datetime(2026, 3, 4, 22, 15, 30)
    signal = load_record("100", sample_data_dir(), leads="MLII").signal[:, :36_000]
    wfdb.wrsamp("h", fs=360, units=["mV"], sig_name=["MLII"], p_signal=signal.T.astype(float),
                fmt=["16"], adc_gain=[200.0], baseline=[0], write_dir=str(tmp_path),
                base_date=when.date(), base_time=when.time())  # fmt: skip
    header = {"label": "MLII", "dimension": "mV", "sample_frequency": 360, "physical_max": 10.0,
              "physical_min": -10.0, "digital_max": 32767, "digital_min": -32768}  # fmt: skip
    with pyedflib.EdfWriter(str(tmp_path / "h.edf"), 1, pyedflib.FILETYPE_EDFPLUS) as edf:
        edf.setSignalHeaders([header])
        edf.setStartdatetime(when)
        edf.writeSamples([signal[0].astype(np.float64)])
    write_ishne(tmp_path / "h.ecg", signal, 360, ["MLII"], start=when)
    for name in ("h", "h.edf", "h.ecg"):
        assert open_record(tmp_path / name).start == when, name
    assert open_record(sample_data_dir() / "100").start is None  # MIT-BIH headers give none
    out = tmp_path / "out"
    assert cli_main(["report", str(tmp_path / "h.ecg"), "--lead", "II", "--out", str(out),
                     "--quiet", "--no-clusters"]) == 0  # fmt: skip
    assert json.loads((out / "h_report.json").read_text())["start"] == when.isoformat()
