"""A fast reader of WFDB annotation files in the MIT format (``.atr``).

``wfdb.rdann`` reads the file annotation by annotation in Python (about 1 s for the 48
MIT-BIH records); this reader decodes the 16-bit words with numpy and loops only over
the few words that carry a payload (SKIP and AUX). It returns only what the loaders
need -- sample and symbol -- and leaves anything it does not know to ``wfdb.rdann``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
