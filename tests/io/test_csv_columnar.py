"""The columnar CSV reader reads exactly what the record reader reads, or declines."""

from __future__ import annotations

import time

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.io.imports import _read_csv_records, read_csv_columnar
from capacity.io.raw import RawRegistry

CHARS = st.sampled_from(list('ab,; "\r\n\t1ø=') + ["\r\n", '""', "\x00"])


def _records(text: str, sep: str):
    raw = RawRegistry("folder", None)
    layer = _read_csv_records(text, sep, "x.csv", "units", raw, ".")
    return layer, raw.problems


@settings(max_examples=400, deadline=None)
@given(st.lists(CHARS, min_size=1, max_size=60).map("".join), st.sampled_from([",", ";"]))
def test_columnar_reads_what_the_record_reader_reads(body, sep):
    text = f"id{sep}name{sep}beds\n" + body
    fast = read_csv_columnar(text, sep)
    if fast is None:
        return  # declined: the record reader reads it
    layer, problems = _records(text, sep)
    assert not problems, (text, problems)
    header, data, numbers = fast
    assert header == ["id", "name", "beds"]
    assert numbers == layer.numbers, text
    expected = layer.data.set_axis(range(3), axis=1)
    assert data.astype(str).values.tolist() == expected.astype(str).values.tolist(), text


FIELD = st.text(st.sampled_from(list('ab ,;"\n\tø=')), max_size=6)
LINE_END = st.sampled_from(["\n", "\r\n", "\n\n", "\n \n"])


def _field(value: str, quote: bool) -> str:
    return '"' + value.replace('"', '""') + '"' if quote else value


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(st.tuples(FIELD, st.booleans()), min_size=3, max_size=3), LINE_END)
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_columnar_reads_regular_rows_as_the_record_reader(rows, sep):
    body = "".join(sep.join(_field(v, q) for v, q in fields) + end for fields, end in rows)
    test_columnar_reads_what_the_record_reader_reads.hypothesis.inner_test(body, sep)


def test_columnar_keeps_line_numbers_past_blank_lines():
    text = 'id,name\nA,"x, y"\n\n,\r\nB,"say ""hi"""\r\n\r\nC,z'
    header, data, numbers = read_csv_columnar(text, ",")
    assert data.values.tolist() == [["A", "x, y"], ["B", 'say "hi"'], ["C", "z"]]
    assert numbers == [2, 5, 7]


def test_columnar_declines_a_record_over_two_lines_and_a_short_record():
    assert read_csv_columnar('id,name\nA,"x\ny"\n', ",") is None
    assert read_csv_columnar("id,name\nA\n", ",") is None
    assert read_csv_columnar("id,name\nA,b,c\n", ",") is None


def test_a_large_csv_is_read_quickly(tmp_path):
    from capacity.io.imports import read_csv

    n = 300_000
    frame = pd.DataFrame(
        {
            "id": [f"H{i}" for i in range(n)],
            "arrival_date": "2026-01-01",
            "adults": 2,
            "children_ages": "3;7",
            "note": "Allerød, nord",
        }
    )
    path = tmp_path / "households.csv"
    frame.to_csv(path, index=False)
    raw = RawRegistry("folder", tmp_path)
    start = time.perf_counter()
    layer = read_csv(path, "households", raw)
    took = time.perf_counter() - start
    assert not raw.problems
    assert len(layer.data) == n and layer.numbers[-1] == n + 1
    assert layer.data.loc[n - 1, "note"] == "Allerød, nord"
    assert took < 20, took  # generous: the record reader took several times longer
