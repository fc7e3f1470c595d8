"""The dashboard's map files: the province map as it is, and the city map split per province.

Why split: the whole city map is 9 MB; a province official's phone needs only its own province
(tens to hundreds of kB). The geometry is not changed, only grouped by the features' `parent`
province adcode. Source and licence: static/dashboard/geo/SOURCES.md.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

GEO_DIR = Path(__file__).resolve().parents[1] / "static" / "dashboard" / "geo"
PROVINCES = "china-provinces.geojson"
CITIES = "china-cities.geojson"


def build(source: Path, target: Path = GEO_DIR) -> dict[str, int]:
    """Copy the province map and write cities/<province adcode>.geojson; returns features per file.

    Provinces whose city map is the province itself (北京, 天津, 上海, 重庆, 香港, 澳门, 台湾) get no
    file: their dashboards show their districts as a bar chart.
    """
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / PROVINCES, target / PROVINCES)
    cities = json.loads((source / CITIES).read_text(encoding="utf-8"))
    groups: dict[str, list] = defaultdict(list)
    for feature in cities["features"]:
        props = feature.get("properties") or {}
        if props.get("level") == "province":
            continue
        groups[str(props.get("parent"))].append(feature)
    out_dir = target / "cities"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir()
    written = {}
    for province, features in sorted(groups.items()):
        doc = {"type": "FeatureCollection", "features": features}
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        (out_dir / f"{province}.geojson").write_text(text, encoding="utf-8")
        written[province] = len(features)
    return written
