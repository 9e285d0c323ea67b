"""The shipped province boundaries (data/geo) and the script that builds them from geoBoundaries."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
import shapely
from shapely.geometry import Point, shape

import analytics
from analytics import paths
from workbench.briefings import geo

SHIPPED = paths.root() / "data" / "geo" / "vn_provinces_34.geojson"
SOURCE = paths.root().parent / "shared/data/geo/geoBoundaries-VNM-ADM1_simplified.geojson"


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_provinces", paths.root() / "data" / "geo" / "build_provinces.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _check_provinces(path: Path) -> dict[str, object]:
    """Every one of the 34 provinces has one valid shape holding its coordinates; no overlaps."""
    provinces = analytics.catalog().provinces().set_index("code")
    feats = json.loads(path.read_text(encoding="utf-8"))["features"]
    shapes = {f["properties"]["area"]: shape(f["geometry"]) for f in feats}
    assert len(feats) == len(shapes) == 34
    assert sorted(shapes) == sorted(provinces.index)
    for code, g in shapes.items():
        assert g.is_valid and not g.is_empty, code
        point = Point(provinces.loc[code, "lon"], provinces.loc[code, "lat"])
        assert g.contains(point), f"{code} {provinces.loc[code, 'name_vi']}"
    overlap = sum(g.area for g in shapes.values()) - shapely.union_all(list(shapes.values())).area
    assert overlap < 1e-4  # square degrees: borders are shared, not doubled
    return shapes


def test_shipped_boundaries_cover_the_34_provinces_and_stay_small() -> None:
    assert SHIPPED.stat().st_size < 300 * 1024
    shapes = _check_provinces(SHIPPED)
    doc = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert "geoBoundaries" in doc["attribution"] and "e0231866" in doc["attribution"]
    # merged provinces are dissolved: Bắc Ninh (24) took in Bắc Giang, so it reaches east of 106.9°E
    assert shapes["24"].bounds[2] > 106.9
    # the archipelagos stay with their provinces, at their true positions
    assert shapes["48"].bounds[2] > 111.5  # Hoàng Sa, Đà Nẵng
    assert shapes["56"].bounds[2] > 114.0  # Trường Sa, Khánh Hòa
    assert shapes["79"].bounds[1] < 8.8  # Côn Đảo, Thành phố Hồ Chí Minh


def test_province_features_default_to_the_shipped_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NRIS_BOUNDARIES", raising=False)
    assert geo.boundaries_path() == SHIPPED
    provinces = analytics.catalog().provinces()
    feats = geo.province_features(provinces)
    assert feats is not None
    assert sorted(f["properties"]["area"] for f in feats) == sorted(provinces["code"])


def test_boundaries_env_var_overrides_the_shipped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    square = [[[105.0, 21.0], [106.0, 21.0], [106.0, 22.0], [105.0, 22.0], [105.0, 21.0]]]
    own = tmp_path / "own.geojson"
    own.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"ten": "TP Hà Nội"},
                        "geometry": {"type": "Polygon", "coordinates": square},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("NRIS_BOUNDARIES", str(own))
    feats = geo.province_features(analytics.catalog().provinces())
    assert feats is not None and len(feats) == 1
    assert feats[0]["properties"]["area"] == "01"
    assert feats[0]["geometry"]["coordinates"] == square


@pytest.mark.skipif(not SOURCE.exists(), reason="shared geoBoundaries layer not present")
def test_build_script_dissolves_geoboundaries_into_34(tmp_path: Path) -> None:
    mod = _build_module()
    out = mod.build(SOURCE, tmp_path / "vn34.geojson")
    assert out.stat().st_size < 300 * 1024
    shapes = _check_provinces(out)
    # dissolving loses no land: the 34 cover what the 64 source units covered
    source = json.loads(SOURCE.read_text(encoding="utf-8"))["features"]
    before = shapely.union_all([shape(f["geometry"]) for f in source]).area
    after = shapely.union_all(list(shapes.values())).area
    assert after == pytest.approx(before, rel=0.01)
    # the shipped file is what the script builds
    shipped = {
        f["properties"]["area"]: shape(f["geometry"])
        for f in json.loads(SHIPPED.read_text(encoding="utf-8"))["features"]
    }
    for code, g in shapes.items():
        assert g.symmetric_difference(shipped[code]).area < 1e-3 * g.area, code


def test_build_script_refuses_an_unmapped_unit(tmp_path: Path) -> None:
    mod = _build_module()
    src = tmp_path / "src.geojson"
    src.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"shapeName": "Atlantis"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                        },
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="Atlantis"):
        mod.build(src, tmp_path / "out.geojson")
    assert not (tmp_path / "out.geojson").exists()
