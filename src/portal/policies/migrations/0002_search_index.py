"""Full-text search index for policies: an FTS5 table on SQLite, a GIN expression index on PostgreSQL."""

from django.db import migrations

PG_EXPR = "array_to_tsvector(array_remove(string_to_array(search_text, ' '), ''))"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS policies_policy_fts USING fts5(body, tokenize='unicode61')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS policies_policy_search_gin ON policies_policy USING gin (({PG_EXPR}))"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS policies_policy_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS policies_policy_search_gin")


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
