"""UI labels of the briefings in Vietnamese (default) and English."""

from __future__ import annotations

from analytics.narrative import STATUS_TEXT

LANGS = ("vi", "en")

LABELS: dict[str, tuple[str, str]] = {
    "overview": ("Tổng quan kinh tế - xã hội", "Socio-economic overview"),
    "indicator": ("Phân tích chỉ tiêu", "Indicator drill-down"),
    "provinces": ("Các tỉnh, thành phố", "Provinces"),
    "reporting": ("Tình hình gửi báo cáo", "Reporting status"),
    "alerts": ("Cảnh báo", "Alerts"),
    "alerts_active": ("Cảnh báo đang mở", "Active alerts"),
    "alerts_none": ("Không có cảnh báo", "No alerts"),
    "alerts_all": ("Xem tất cả cảnh báo", "See all alerts"),
    "alerts_not_run": (
        "Chưa đánh giá cảnh báo cho bản số liệu này",
        "Alerts have not been evaluated for this data release yet",
    ),
    "severity": ("Mức độ", "Severity"),
    "all_severities": ("Mọi mức độ", "All severities"),
    "high": ("Cao", "High"),
    "medium": ("Trung bình", "Medium"),
    "low": ("Thấp", "Low"),
    "alert_state": ("Trạng thái", "State"),
    "active": ("Đang mở", "Active"),
    "open": ("Mới", "Open"),
    "acknowledged": ("Đã ghi nhận", "Acknowledged"),
    "resolved": ("Đã xử lý", "Resolved"),
    "all": ("Tất cả", "All"),
    "why": ("Nội dung", "Why"),
    "subject": ("Chỉ tiêu / báo cáo", "Indicator / report"),
    "first_seen": ("Phát hiện lúc", "First seen"),
    "view": ("Xem", "View"),
    "by_at": ("{who}, {when}", "{who}, {when}"),
    "rule_interval": ("Ngoài khoảng dự báo", "Outside its forecast"),
    "rule_odds_low": ("Khả năng đạt mục tiêu thấp", "Target unlikely"),
    "rule_odds_drop": ("Khả năng đạt mục tiêu giảm", "Target odds fell"),
    "rule_report_missing": ("Chưa gửi báo cáo", "Report missing"),
    "rule_report_late": ("Gửi báo cáo muộn", "Report late"),
    "rule_request_missing": ("Chưa trả lời yêu cầu", "Request unanswered"),
    "rule_request_late": ("Trả lời yêu cầu muộn", "Request answered late"),
    "rule_revision": ("Điều chỉnh số liệu lớn", "Large revision"),
    "rule_add_up": ("Tổng các tỉnh lệch cả nước", "Provinces vs nation"),
    "requests": ("Yêu cầu báo cáo đột xuất", "Ad hoc report requests"),
    "request": ("Yêu cầu", "Request"),
    "due": ("Hạn nộp", "Due"),
    "no_requests": ("Chưa có yêu cầu báo cáo đột xuất", "No ad hoc requests"),
    "requests_behind": ("Cơ quan chưa trả lời hoặc trả lời muộn", "Agencies late or not answering"),
    "demo": (
        "DỮ LIỆU MẪU — số liệu minh họa, không phải số liệu thống kê chính thức",
        "DEMO DATA — illustrative figures, not official statistics",
    ),
    "as_of": ("Số liệu đến", "Data as of"),
    "published": ("cập nhật lúc", "published"),
    "refresh": ("Cập nhật", "Refresh"),
    "refreshed": ("Đã cập nhật số liệu mới", "New data loaded"),
    "no_data": ("Chưa có số liệu", "No data yet"),
    "error": ("Không hiển thị được phần này", "This part could not be shown"),
    "vs_prev": ("so với kỳ trước", "vs previous period"),
    "vs_last_year": ("so với cùng kỳ", "year on year"),
    "ytd": ("lũy kế từ đầu năm", "year to date"),
    "targets": ("Mục tiêu Quốc hội giao năm", "National Assembly targets for"),
    "target": ("Mục tiêu", "Target"),
    "actual": ("Thực hiện đến nay", "Actual to date"),
    "projection": ("Dự báo cả năm", "Year-end projection"),
    "p_met": ("Khả năng đạt", "P(met)"),
    "status": ("Đánh giá", "Status"),
    **STATUS_TEXT,  # target statuses: one wording for reports and briefings
    "no_outlook": (
        "Chưa có dự báo khả năng đạt mục tiêu; hiển thị số thực hiện đến nay",
        "Target outlook not available yet; showing the actual to date",
    ),
    "chain_head": (
        "các tỉnh chậm so với chỉ tiêu Chính phủ giao",
        "provinces behind the targets the Government set them",
    ),
    "chain_implied": (
        "Nếu các tỉnh đạt đúng chỉ tiêu được giao, cả nước đạt {implied}; theo dự báo của các tỉnh: "
        "{projected} (mục tiêu Quốc hội giao: {target}). {behind}/{children} tỉnh dự báo không đạt, "
        "kéo kết quả cả nước xuống {shortfall}.",
        "If the provinces met exactly the targets they were set, the nation would reach {implied}; "
        "by the provinces' projections: {projected} (National Assembly target: {target}). "
        "{behind} of {children} provinces are projected to fall short, pulling the national "
        "outcome down by {shortfall}.",
    ),
    "chain_none_behind": (
        "Không tỉnh nào dự báo chậm so với chỉ tiêu được giao.",
        "No province is projected to fall short of its target.",
    ),
    "chain_demo": (
        "Chỉ tiêu giao cho các tỉnh là số minh họa.",
        "The provinces' targets are illustrative figures.",
    ),
    "chain_top": (
        "{n} tỉnh có tác động lớn nhất:",
        "The {n} with the largest effect:",
    ),
    "gap": ("Chênh lệch", "Gap"),
    "weight": ("Tỷ trọng", "Weight"),
    "weighs_national": ("Tác động lên cả nước", "Effect on the nation"),
    "share_shortfall": ("Phần trong mức hụt", "Share of the shortfall"),
    "points": ("điểm %", "pct points"),
    "domain": ("Lĩnh vực", "Domain"),
    "indicator_w": ("Chỉ tiêu", "Indicator"),
    "area": ("Địa bàn", "Area"),
    "transform": ("Cách tính", "Measure"),
    "level": ("Giá trị", "Level"),
    "mom": ("So với kỳ trước (%)", "vs previous period (%)"),
    "yoy": ("So với cùng kỳ (%)", "year on year (%)"),
    "ytd_t": ("Lũy kế từ đầu năm", "Year to date"),
    "period": ("Kỳ", "Period"),
    "value": ("Giá trị", "Value"),
    "unit": ("Đơn vị", "Unit"),
    "vintages": ("Số lần báo cáo", "Vintages"),
    "revision": ("Điều chỉnh so với số sơ bộ", "Revision vs first estimate"),
    "no_report": ("chưa có báo cáo", "not reported"),
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_xlsx": ("Tải Excel", "Download Excel"),
    "province": ("Tỉnh, thành phố", "Province"),
    "region": ("Vùng", "Region"),
    "rank": ("Hạng", "Rank"),
    "map": ("Bản đồ", "Map"),
    "ranking": ("Xếp hạng", "Ranking"),
    "regions": ("Các vùng kinh tế - xã hội", "Socio-economic regions"),
    "national": ("Cả nước", "Nationwide"),
    "no_region_sum": (
        "Chỉ tiêu này không cộng được theo vùng",
        "This indicator cannot be added up by region",
    ),
    "communes_of": ("Xã, phường, đặc khu của", "Communes and wards of"),
    "commune": ("Xã, phường", "Commune or ward"),
    "commune_kind": ("Loại", "Type"),
    "commune_indicator": ("Chỉ tiêu cấp xã", "Commune indicator"),
    "communes_reported": (
        "{n}/{total} xã, phường đã báo cáo",
        "{n} of {total} communes and wards reported",
    ),
    "province_total": ("Toàn tỉnh, cộng từ các xã", "Province total, from its communes"),
    "partial_total": (
        "chưa đủ xã báo cáo, tính chung {n}/{total} xã: {value}",
        "not every commune reported; the {n} of {total} that did: {value}",
    ),
    "no_commune_reports": (
        "Tỉnh chưa gửi số liệu cấp xã (chế độ {regimes})",
        "The province has filed no commune figures (regime {regimes})",
    ),
    "not_commune_submitter": (
        "UBND tỉnh chưa thuộc diện báo cáo số liệu cấp xã (thí điểm: {provinces})",
        "The province does not file commune figures yet (pilot: {provinces})",
    ),
    "reported": ("Đã báo cáo", "Reported"),
    "state": ("Tình trạng", "State"),
    "regime": ("Chế độ báo cáo", "Reporting regime"),
    "expected": ("Phải gửi", "Expected"),
    "received": ("Đã nhận", "Received"),
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Muộn", "Late"),
    "missing": ("Chưa gửi", "Missing"),
    "pending": ("Chưa đến hạn", "Not yet due"),
    "rate": ("Tỷ lệ", "Rate"),
    "on_time_rate": ("Tỷ lệ đúng hạn", "On-time rate"),
    "received_rate": ("Tỷ lệ đã nhận", "Reporting rate"),
    "no_status": (
        "Chưa có chức năng thống kê tình hình gửi báo cáo",
        "Reporting status is not available yet",
    ),
    "reports": ("báo cáo", "reports"),
    "agency": ("Cơ quan", "Agency"),
    "missing_list": ("Báo cáo gửi muộn hoặc chưa gửi", "Late or missing reports"),
    "all_regimes": ("Tất cả chế độ", "All regimes"),
    "narrative": ("Nhận định", "Summary"),
    "choose_province": ("Chọn tỉnh để xem diễn biến", "Choose a province to see its series"),
    "quarterly": ("Chỉ tiêu quý", "Quarterly indicators"),
    "monthly": ("Chỉ tiêu tháng", "Monthly indicators"),
}


def t(key: str, lang: str = "vi") -> str:
    """The label ``key`` in ``lang`` (unknown keys come back as they are)."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]
