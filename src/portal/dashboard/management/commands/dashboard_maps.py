"""Rebuild the dashboard's map files from the reference GeoJSON (see static/dashboard/geo/SOURCES.md).

.venv/bin/python manage.py dashboard_maps --source /work/shared/reference/data
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.dashboard import geo


class Command(BaseCommand):
    help = "Copy the province map and split the city map per province into static/dashboard/geo/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", required=True, help="folder holding china-provinces.geojson and china-cities.geojson"
        )

    def handle(self, *args, source, **options):
        folder = Path(source)
        missing = [n for n in (geo.PROVINCES, geo.CITIES) if not (folder / n).is_file()]
        if missing:
            raise CommandError(f"--source {folder}: 缺少 {'、'.join(missing)}")
        written = geo.build(folder)
        self.stdout.write(
            f"dashboard_maps: {len(written)} province city maps, {sum(written.values())} features"
        )
