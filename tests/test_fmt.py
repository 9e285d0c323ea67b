import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import fmt


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "expected"),
    [
        (1234.5, 1, "vi", "1.234,5"),
        (1234.5, 1, "en", "1,234.5"),
        (-1234567.891, 2, "vi", "-1.234.567,89"),
        (0.0, 0, "vi", "0"),
        (float("nan"), 1, "vi", "–"),
        (None, 1, "en", "–"),
    ],
)
def test_number(value, decimals, lang, expected):
    assert fmt.number(value, decimals, lang) == expected


@pytest.mark.parametrize(
    ("pct", "lang", "expected"),
    [
        (3.24, "vi", "tăng 3,2%"),
        (-1.06, "vi", "giảm 1,1%"),
        (0.04, "vi", "không đổi"),
        (6.5, "en", "up 6.5%"),
        (-0.5, "en", "down 0.5%"),
        (float("nan"), "vi", "không có số liệu"),
    ],
)
def test_change(pct, lang, expected):
    assert fmt.change(pct, 1, lang) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1234,5", 1234.5),
        ("-3,2", -3.2),
        ("12%", 12.0),
        ("1.234.567", 1234567.0),
        ("0,123", 0.123),
        ("(5)", -5.0),
        (" 7\u00a0000 ", 7000.0),
    ],
)
def test_parse_number(text, expected):
    assert fmt.parse_number(text) == pytest.approx(expected)


def test_parse_number_rejects_garbage():
    for bad in ["", "abc", "1,2,3a", "nan", "inf"]:
        with pytest.raises(ValueError):
            fmt.parse_number(bad)


def _half_up(value: float, decimals: int) -> float:
    """The figure as a statistics release rounds it: half away from zero on the written digits."""
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def test_rounding_is_half_up_on_the_written_figure() -> None:
    assert fmt.number(9.45, 1) == "9,5" and fmt.number(0.25, 1, "en") == "0.3"
    assert fmt.number(-2.675, 2) == "-2,68" and fmt.number(1234.5, 0) == "1.235"


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=4),
    st.sampled_from(["vi", "en"]),
)
def test_number_round_trips(value, decimals, lang):
    text = fmt.number(value, decimals, lang)
    parsed = fmt.parse_number(text, decimal="," if lang == "vi" else ".")
    assert math.isclose(parsed, _half_up(value, decimals), rel_tol=1e-12, abs_tol=10**-decimals / 2)


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.sampled_from([1, 2, 4]),
    st.sampled_from(["vi", "en"]),
    st.sampled_from(["{}", "{}%", " {} ", "{}\u00a0"]),
)
def test_number_round_trips_without_knowing_the_language(value, decimals, lang, wrap):
    # With 1, 2 or 4 decimals the decimal mark is never ambiguous, so no hint is needed.
    text = wrap.format(fmt.number(value, decimals, lang))
    parsed = fmt.parse_number(text)
    assert math.isclose(parsed, _half_up(value, decimals), rel_tol=1e-12, abs_tol=10**-decimals / 2)


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["vi", "en"]))
def test_whole_numbers_and_negative_forms_round_trip(value, lang):
    text = fmt.number(value, 0, lang)
    assert fmt.parse_number(text) == value
    assert fmt.parse_number(text.replace("-", "\u2212")) == value  # typeset minus sign
    if value > 0:
        assert fmt.parse_number(f"({text})") == -value  # accountants' negative
