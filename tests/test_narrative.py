"""Golden text: the generated sentences read like a statistics office's monthly release.

Each sentence is built from catalog metadata and hand-set figures, in Vietnamese and English, and
compared whole: a wrong verb ("đạt" for a preliminary figure), a % change of a balance, a rate's
change not in points, an English month from the locale or a lost unit all fail here.
"""

from __future__ import annotations

import pytest

from analytics import narrative
from analytics.catalog import catalog


def row(code: str, period: str, value: float | None, span: str | None = None, **kw: object) -> dict:
    r = dict(catalog().indicator(code))
    r.update(indicator=code, period=period, value=value, span=span or r["frequency"], **kw)
    return r


CASES = [
    row("CPI_YOY", "2026-10-01", 2.67, status="official"),
    row("CPI_YOY", "2026-10-01", 2.67, status="preliminary"),
    row("CPI_MOM", "2026-10-01", -0.15, status="official"),
    row("CPI_YTD_AVG", "2026-10-01", 3.27, status="official"),
    row("CPI_YTD_AVG", "2026-01-01", 3.1, status="official"),
    row("IIP", "2026-10-01", 142.3, prev=1.2, yoy=4.6, status="preliminary"),
    row(
        "RETAIL_SALES",
        "2026-10-01",
        693947.0,
        prev=6.7,
        yoy=10.04,
        ytd=6455294.0,
        ytd_yoy=7.6,
        status="preliminary",
    ),
    row(
        "EXPORTS",
        "2026-10-01",
        41993.0,
        prev=-8.9,
        yoy=12.4,
        ytd=389715.0,
        ytd_yoy=9.45,
        status="official",
    ),
    row(
        "EXPORTS",
        "2026-01-01",
        41993.0,
        prev=-8.9,
        yoy=12.4,
        ytd=41993.0,
        ytd_yoy=12.4,
        status="official",
    ),
    row("TRADE_BALANCE", "2026-10-01", -725.0, ytd=9800.0, status="preliminary"),
    row("TRADE_BALANCE", "2026-10-01", 1234.0, ytd=-300.0, status="official"),
    row("BUDGET_BALANCE", "2026-10-01", -15200.0, ytd=120500.0, status="official"),
    row("UNEMPLOYMENT_RATE", "2026-07-01", 2.22, prev=-0.03, yoy=-0.02, status="official"),
    row("UNEMPLOYMENT_RATE", "2026-07-01", 2.25, prev=0.4, yoy=0.0, status="preliminary"),
    row("AVG_MONTHLY_INCOME", "2026-07-01", 8.4, prev=1.1, yoy=9.1, status="official"),
    row("GDP_GROWTH_Q", "2026-07-01", 8.23, status="preliminary"),
    row("GDP_GROWTH_YTD", "2026-07-01", 7.85, status="preliminary"),
    row("GDP_GROWTH_YTD", "2026-04-01", 7.52, status="official"),
    row("GDP_GROWTH_YTD", "2026-01-01", 6.93, status="official"),
    row("EXPORTS_YTD_YOY", "2026-10-01", 9.45, status="official"),
    row("RETAIL_SALES", "2026-01-01", 5761347.0, span="9M", yoy=7.3, status="official"),
    row("IIP_YOY", "2026-01-01", 4.72, span="9M", status="official"),
    row("CREDIT_GROWTH_YTD", "2026-10-01", 12.5, status="official"),
    row("CPI", "2026-10-01", None),
]

VI = [
    "Chỉ số giá tiêu dùng (CPI) tháng 10/2026 tăng 2,67% so với cùng kỳ năm trước.",
    "Chỉ số giá tiêu dùng (CPI) tháng 10/2026 ước tính tăng 2,67% so với cùng kỳ năm trước.",
    "Chỉ số giá tiêu dùng (CPI) tháng 10/2026 giảm 0,15% so với tháng trước.",
    "Bình quân 10 tháng năm 2026, chỉ số giá tiêu dùng (CPI) tăng 3,27% so với cùng kỳ năm trước.",
    "Chỉ số giá tiêu dùng (CPI) tháng 1/2026 tăng 3,10% so với cùng kỳ năm trước.",
    "Chỉ số sản xuất công nghiệp (IIP) tháng 10/2026 ước tính tăng 1,2% so với tháng trước và tăng 4,6% so với cùng kỳ năm trước.",
    "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng tháng 10/2026 ước đạt 693.947 tỷ đồng, tăng 6,7% so với tháng trước và tăng 10,0% so với cùng kỳ năm trước. Tính chung 10 tháng năm 2026, tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng ước đạt 6.455.294 tỷ đồng, tăng 7,6% so với cùng kỳ năm trước.",
    "Kim ngạch xuất khẩu hàng hóa tháng 10/2026 đạt 42,0 tỷ USD, giảm 8,9% so với tháng trước và tăng 12,4% so với cùng kỳ năm trước. Tính chung 10 tháng năm 2026, kim ngạch xuất khẩu hàng hóa đạt 389,7 tỷ USD, tăng 9,5% so với cùng kỳ năm trước.",
    "Kim ngạch xuất khẩu hàng hóa tháng 1/2026 đạt 42,0 tỷ USD, giảm 8,9% so với tháng trước và tăng 12,4% so với cùng kỳ năm trước.",
    "Cán cân thương mại hàng hóa tháng 10/2026 ước tính nhập siêu 725 triệu USD. Tính chung 10 tháng năm 2026, cán cân thương mại hàng hóa ước tính xuất siêu 9,8 tỷ USD.",
    "Cán cân thương mại hàng hóa tháng 10/2026 xuất siêu 1,2 tỷ USD. Tính chung 10 tháng năm 2026, cán cân thương mại hàng hóa nhập siêu 300 triệu USD.",
    "Cân đối thu, chi ngân sách nhà nước tháng 10/2026 bội chi 15.200 tỷ đồng. Tính chung 10 tháng năm 2026, cân đối thu, chi ngân sách nhà nước thặng dư 120.500 tỷ đồng.",
    "Tỷ lệ thất nghiệp của lực lượng lao động trong độ tuổi lao động quý III/2026 là 2,22%, giảm 0,03 điểm phần trăm so với quý trước và giảm 0,02 điểm phần trăm so với cùng kỳ năm trước.",
    "Tỷ lệ thất nghiệp của lực lượng lao động trong độ tuổi lao động quý III/2026 ước tính là 2,25%, tăng 0,40 điểm phần trăm so với quý trước và không đổi so với cùng kỳ năm trước.",
    "Thu nhập bình quân tháng của lao động quý III/2026 đạt 8,40 triệu đồng, tăng 1,1% so với quý trước và tăng 9,1% so với cùng kỳ năm trước.",
    "Tổng sản phẩm trong nước (GDP) theo giá so sánh 2010 quý III/2026 ước tính tăng 8,23% so với cùng kỳ năm trước.",
    "Tính chung 9 tháng năm 2026, tổng sản phẩm trong nước (GDP) theo giá so sánh 2010 ước tính tăng 7,85% so với cùng kỳ năm trước.",
    "Tính chung 6 tháng đầu năm 2026, tổng sản phẩm trong nước (GDP) theo giá so sánh 2010 tăng 7,52% so với cùng kỳ năm trước.",
    "Tổng sản phẩm trong nước (GDP) theo giá so sánh 2010 quý I/2026 tăng 6,93% so với cùng kỳ năm trước.",
    "Tính chung 10 tháng năm 2026, kim ngạch xuất khẩu hàng hóa tăng 9,45% so với cùng kỳ năm trước.",
    "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng 9 tháng năm 2026 đạt 5.761.347 tỷ đồng, tăng 7,3% so với cùng kỳ năm trước.",
    "Chỉ số sản xuất công nghiệp (IIP) 9 tháng năm 2026 tăng 4,72% so với cùng kỳ năm trước.",
    "Tăng trưởng tín dụng so với cuối năm trước tháng 10/2026 đạt 12,50%.",
    "Chỉ số giá tiêu dùng (CPI) tháng 10/2026: chưa có số liệu.",
]

EN = [
    "Consumer price index (CPI) in October 2026 rose 2.67% year on year.",
    "Consumer price index (CPI) in October 2026 rose 2.67% year on year (estimate).",
    "Consumer price index (CPI) in October 2026 fell 0.15% on the previous month.",
    "On average in the first 10 months of 2026, the consumer price index (CPI) rose 3.27% year on year.",
    "Consumer price index (CPI) in January 2026 rose 3.10% year on year.",
    "Index of industrial production (IIP) in October 2026 (estimate): up 1.2% on the previous month and up 4.6% year on year.",
    "Retail sales of goods and consumer services in October 2026: an estimated 693,947 billion VND, up 6.7% on the previous month and up 10.0% year on year. In the first 10 months of 2026: an estimated 6,455,294 billion VND, up 7.6% year on year.",
    "Merchandise exports in October 2026: 42.0 billion USD, down 8.9% on the previous month and up 12.4% year on year. In the first 10 months of 2026: 389.7 billion USD, up 9.5% year on year.",
    "Merchandise exports in January 2026: 42.0 billion USD, down 8.9% on the previous month and up 12.4% year on year.",
    "Merchandise trade balance in October 2026: a trade deficit of 725 million USD. In the first 10 months of 2026: a trade surplus of 9.8 billion USD (estimate).",
    "Merchandise trade balance in October 2026: a trade surplus of 1.2 billion USD. In the first 10 months of 2026: a trade deficit of 300 million USD.",
    "State budget balance (revenue minus expenditure) in October 2026: a deficit of 15,200 billion VND. In the first 10 months of 2026: a surplus of 120,500 billion VND.",
    "Unemployment rate of the working-age labour force in Q3 2026: 2.22%, down 0.03 percentage points on the previous quarter and down 0.02 percentage points year on year.",
    "Unemployment rate of the working-age labour force in Q3 2026: an estimated 2.25%, up 0.40 percentage points on the previous quarter and unchanged year on year.",
    "Average monthly income of employees in Q3 2026: 8.40 million VND, up 1.1% on the previous quarter and up 9.1% year on year.",
    "Gross domestic product (GDP) at constant 2010 prices in Q3 2026 rose 8.23% year on year (estimate).",
    "In the first 9 months of 2026, gross domestic product (GDP) at constant 2010 prices rose 7.85% year on year (estimate).",
    "In the first half of 2026, gross domestic product (GDP) at constant 2010 prices rose 7.52% year on year.",
    "Gross domestic product (GDP) at constant 2010 prices in Q1 2026 rose 6.93% year on year.",
    "In the first 10 months of 2026, merchandise exports rose 9.45% year on year.",
    "Retail sales of goods and consumer services in the first nine months of 2026: 5,761,347 billion VND, up 7.3% year on year.",
    "Index of industrial production (IIP) in the first nine months of 2026 rose 4.72% year on year.",
    "Credit growth since the end of the previous year, October 2026: 12.50%.",
    "Consumer price index (CPI), October 2026: no data yet.",
]

TARGETS = [
    {
        "code": "NA2026_GDP_GROWTH",
        "indicator": "GDP_GROWTH_YTD",
        "comparison": ">=",
        "value": 10.0,
        "value_hi": None,
        "projected": 7.1,
        "lo": 6.5,
        "hi": 7.6,
        "p_met": 0.05,
        "status": "off_track",
    },
    {
        "code": "NA2026_CPI",
        "indicator": "CPI_YTD_AVG",
        "comparison": "<=",
        "value": 4.5,
        "value_hi": None,
        "projected": 3.3,
        "lo": 2.9,
        "hi": 3.7,
        "p_met": 0.98,
        "status": "on_track",
    },
    {
        "code": "NA2026_GDP_PER_CAPITA",
        "indicator": "GDP_PER_CAPITA_A",
        "comparison": "range",
        "value": 5400,
        "value_hi": 5500,
        "projected": None,
        "status": "no_data",
    },
    {
        "code": "NA2025_HEALTH_INSURANCE",
        "indicator": "HEALTH_INSURANCE_COVERAGE",
        "comparison": ">=",
        "value": 95.15,
        "value_hi": None,
        "projected": 95.2,
        "lo": 95.0,
        "hi": 95.4,
        "p_met": 0.55,
        "status": "at_risk",
    },
    {
        "code": "X",
        "indicator": "UNEMPLOYMENT_RATE_URBAN",
        "comparison": "<=",
        "value": 4.0,
        "value_hi": None,
        "projected": 3.6,
        "lo": None,
        "hi": None,
        "p_met": 1.0,
        "status": "met",
    },
]

TARGETS_VI = [
    "Tăng trưởng GDP: mục tiêu từ 10% trở lên; dự báo cả năm 7,1% (khoảng 6,5–7,6%), xác suất đạt 5%: khó đạt.",
    "Tăng trưởng GDP: mục tiêu khoảng 4,5%; dự báo cả năm 3,3% (khoảng 2,9–3,7%), xác suất đạt 98%: có khả năng đạt.",
    "Tăng trưởng GDP: mục tiêu 5.400–5.500 USD; chưa có số liệu.",
    "Tăng trưởng GDP: mục tiêu từ 95,15% trở lên; dự báo cả năm 95,2% (khoảng 95,0–95,4%), xác suất đạt 55%: có nguy cơ không đạt.",
    "Tăng trưởng GDP: mục tiêu không quá 4%; dự báo cả năm 3,6%, xác suất đạt 100%: đã đạt.",
]

TARGETS_EN = [
    "GDP growth: target at least 10%; full-year projection 7.1% (range 6.5–7.6%), probability of meeting it 5%: unlikely to be met.",
    "GDP growth: target about 4.5%; full-year projection 3.3% (range 2.9–3.7%), probability of meeting it 98%: likely to be met.",
    "GDP growth: target 5,400–5,500 USD; no data yet.",
    "GDP growth: target at least 95.15%; full-year projection 95.2% (range 95.0–95.4%), probability of meeting it 55%: at risk of being missed.",
    "GDP growth: target at most 4%; full-year projection 3.6%, probability of meeting it 100%: met.",
]


@pytest.mark.parametrize("lang, expected", [("vi", VI), ("en", EN)])
def test_indicator_sentences(lang: str, expected: list[str]) -> None:
    assert [narrative.sentence_of(r, lang) for r in CASES] == expected


@pytest.mark.parametrize(
    "lang, name, expected",
    [("vi", "Tăng trưởng GDP", TARGETS_VI), ("en", "GDP growth", TARGETS_EN)],
)
def test_target_sentences(lang: str, name: str, expected: list[str]) -> None:
    assert [narrative.target_sentence(r, name, lang) for r in TARGETS] == expected


def test_forecast_and_provenance_sentences() -> None:
    vi = narrative.forecast_sentence(
        "Kim ngạch xuất khẩu", "2026-10-01", "2027-03-01", 41200.0, 39000.0, 43400.0, "triệu USD", 0
    )
    assert (
        vi
        == "Dự báo kim ngạch xuất khẩu đến tháng 3/2027: 41,2 tỷ USD (khoảng tin cậy 80%: 39,0–43,4 tỷ USD)."
    )
    en = narrative.forecast_sentence(
        "Merchandise exports", "2026-10-01", "2027-03-01", 41200.0, 39000.0, 43400.0,
        "million USD", 0, lang="en",
    )  # fmt: skip
    assert (
        en
        == "Forecast of merchandise exports for March 2027: 41.2 billion USD (80% interval: 39.0–43.4 billion USD)."
    )
    assert (
        narrative.as_of_note("2026-10-23T16:05:00", True)
        == "Số liệu cập nhật đến 23/10/2026 16:05 (DỮ LIỆU MẪU, không phải số liệu chính thức)."
    )
    assert (
        narrative.as_of_note("2026-10-23T16:05:00", False, "en")
        == "Data as of 23 October 2026 16:05."
    )


def test_golden_set_is_about_thirty_sentences_each_language() -> None:
    assert len(CASES) + len(TARGETS) + 2 >= 30
