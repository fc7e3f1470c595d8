"""`manage.py import_policies [PATH …]`: import policy catalogues (YAML files or folders of them).

Without a path it loads the demo catalogue in policies/demo/. All files or none are imported;
re-importing updates policies by their `key`. Published policies are pushed (once per enterprise).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.policies import importer


class Command(BaseCommand):
    help = "Import policy catalogues from YAML (default: the demo catalogue in policies/demo/)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="YAML files or folders (default: policies/demo)")

    def handle(self, *args, **options):
        paths = [Path(p) for p in options["paths"]] or [importer.DEMO_DIR]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"找不到：{'、'.join(missing)}")
        try:
            result = importer.import_paths(paths)
        except importer.CatalogueError as exc:
            raise CommandError("未导入任何政策：\n" + "\n".join(exc.problems)) from None
        self.stdout.write(f"imported: {len(result.created)} created, {len(result.updated)} updated")
