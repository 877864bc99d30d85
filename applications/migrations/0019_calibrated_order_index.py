"""An index for the review queue's default order (call, calibrated score descending with the unscored
last, id), so a page of 250 is read in order instead of sorting the whole call. PostgreSQL says NULLS
LAST; SQLite puts NULLs last in a descending index already and does not accept the words."""

from django.db import migrations


def create(apps, schema_editor):
    nulls = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS application_calibrated_order ON applications_application "
        f"(call_id, score_calibrated DESC{nulls}, id)"
    )


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS application_calibrated_order")


class Migration(migrations.Migration):
    dependencies = [("applications", "0018_stored_review_scores")]
    operations = [migrations.RunPython(create, drop)]
