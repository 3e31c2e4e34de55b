"""Annotation files and labels: reading MIT-format annotation files, the AAMI classes of
MIT-BIH's beat symbols, and the rhythm in force at each beat."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["AAMI_CLASSES", "AAMI_MAP", "beat_rhythms", "AF_RHYTHMS"]


_SKIP, _NUM, _SUB, _CHN, _AUX = 59, 60, 61, 62, 63


def _symbol_table() -> np.ndarray:
    from wfdb.io.annotation import ann_label_table

    table = np.full(64, "", dtype="<U2")
    codes, symbols = ann_label_table["label_store"], ann_label_table["symbol"]
    for code, symbol in zip(codes, symbols, strict=True):
        table[int(code)] = str(symbol).strip()
    return table


def read_mit_annotations(path, *, aux=False) -> tuple[np.ndarray, ...] | None:
    """Samples and symbols of the annotations in a MIT-format annotation file.

    Parameters
    ----------
    path : path-like
        The annotation file (e.g. ``100.atr``).

    aux : bool, default=False
        Also return each annotation's auxiliary note (e.g. the rhythm, ``"(AFIB"``, of a
        rhythm-change annotation; ``""`` for none).

    Returns
    -------
    samples, symbols : ndarray of int64, ndarray of str
        (and ``notes``, ndarray of str, with ``aux=True``)
        Or None when the file uses what this reader does not decode (an annotation code
        without a standard symbol, or a database's own label definitions): read it with
        ``wfdb.rdann`` then. Like ``wfdb.rdann``, code 0 ("not an annotation") and the
        time-resolution note that ``wfdb.wrann`` writes are not returned.
    """
    data = Path(path).read_bytes()
    if len(data) % 2:
        raise ValueError(f"{Path(path).name}: odd number of bytes, not a MIT annotation file")
    words = np.frombuffer(data, dtype="<u2")
    codes = (words >> 10).astype(np.int64)
    steps = (words & 0x3FF).astype(np.int64)
    structural = np.ones(words.size, dtype=bool)  # False for payload words
    dropped = np.zeros(words.size, dtype=bool)  # definitions, not annotations
    pos = 0
    notes = {}  # word index of the annotation -> its aux note
    for k in np.flatnonzero((codes == _SKIP) | (codes == _AUX)):
        if k < pos:  # inside a payload
            continue
        if codes[k] == _SKIP:
            if k + 2 >= words.size:
                raise ValueError(f"{Path(path).name}: truncated SKIP field")
            skip = (int(words[k + 1]) << 16) | int(words[k + 2])
            steps[k] = skip - (1 << 32) if skip >= 1 << 31 else skip
            pos = k + 3
        else:  # AUX: a string of steps[k] bytes, padded to whole words
            note = data[2 * (k + 1) : 2 * (k + 1) + int(steps[k])]
            pos = k + 1 + (int(steps[k]) + 1) // 2
            steps[k] = 0
            owner = k - 1
            while owner > 0 and not (structural[owner] and codes[owner] < _SKIP):
                owner -= 1
            if note.startswith(b"## "):  # a definition (wfdb.wrann writes the rate so)
                if not note.startswith(b"## time resolution"):
                    return None  # e.g. the database's own annotation labels
                dropped[owner] = True
            else:
                notes[owner] = note.rstrip(b"\x00").decode("latin-1")
        structural[k + 1 : pos] = False
    end = np.flatnonzero(structural & (words == 0))
    stop = int(end[0]) if end.size else words.size
    structural[stop:] = False
    steps[~structural | (codes >= _NUM)] = 0  # NUM, SUB, CHN, AUX: no time step
    samples = np.cumsum(steps)
    is_annotation = structural & ~dropped & (codes > 0) & (codes < _SKIP)
    table = _symbol_table()
    symbols = table[codes[is_annotation]]
    if np.any(symbols == ""):
        return None
    if not aux:
        return samples[is_annotation], symbols
    words_at = np.flatnonzero(is_annotation)
    texts = np.full(words_at.size, "", dtype=object)
    for word, note in notes.items():
        i = np.searchsorted(words_at, word)
        if i < words_at.size and words_at[i] == word:
            texts[i] = note
    return samples[is_annotation], symbols, texts.astype(str)


#: The five AAMI EC57 heartbeat classes, in the order used for reports.
AAMI_CLASSES = ("N", "S", "V", "F", "Q")


#: MIT-BIH beat symbols to AAMI classes. Any other annotation symbol is not a beat.
AAMI_MAP = {
    **dict.fromkeys("NLRej", "N"),
    **dict.fromkeys("AaJS", "S"),
    **dict.fromkeys("VE", "V"),
    "F": "F",
    **dict.fromkeys("/fQ", "Q"),
}


def read_annotations(data_dir: Path, record: str, extension: str = "atr", *, aux=False):
    """Samples and symbols (and with ``aux=True`` the notes) of ``{record}.{extension}``
    (any MIT-format annotation file)."""
    import wfdb

    try:
        parsed = read_mit_annotations(data_dir / f"{record}.{extension}", aux=aux)
        if parsed is not None:
            return parsed
        ann = wfdb.rdann(str(data_dir / record), extension)
    except Exception as exc:
        raise OSError(
            f"Record {record!r}: cannot read annotations {record}.{extension}: {exc}"
        ) from exc
    parsed = np.asarray(ann.sample, dtype=np.int64), np.asarray(ann.symbol, dtype="<U2")
    return (*parsed, np.asarray(ann.aux_note, dtype=str)) if aux else parsed


def select_beats(samples, symbols):
    """Positions, symbols and AAMI labels of the beat annotations among ``symbols``."""
    is_beat = np.isin(symbols, list(AAMI_MAP))
    beat_symbols = symbols[is_beat]
    labels = np.array([AAMI_MAP[s] for s in beat_symbols], dtype="<U1")
    return samples[is_beat], beat_symbols, labels


def beat_rhythms(ann_samples, ann_symbols, ann_notes, beat_samples) -> np.ndarray:
    """The rhythm in force at each beat, from a record's rhythm-change annotations.

    Rhythm changes are ``+`` annotations whose note names the new rhythm (``"(N"``,
    ``"(AFIB"``, ``"(AFL"``, ...); a beat takes the last one at or before it, ``""``
    before the first.
    """
    symbols, notes = np.asarray(ann_symbols), np.asarray(ann_notes, dtype=str)
    is_change = (symbols == "+") & np.char.startswith(notes, "(")
    at, names = np.asarray(ann_samples)[is_change], notes[is_change]
    index = np.searchsorted(at, np.asarray(beat_samples), side="right") - 1
    return np.where(index >= 0, names[np.maximum(index, 0)] if names.size else "", "")


#: Rhythms that count as atrial fibrillation or flutter (MIT-BIH and ltafdb notation).
AF_RHYTHMS = ("(AFIB", "(AFL")
