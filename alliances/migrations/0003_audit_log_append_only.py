"""On PostgreSQL, the database itself refuses to change audit entries, and deletes only expired ones.

The model and queryset refuse too; this guards against raw SQL and other clients of the database.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION chanjiao_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the audit log is append-only';
    END IF;
    IF OLD.at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit entries are kept for at least 180 days';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER alliances_auditentry_append_only
    BEFORE UPDATE OR DELETE ON alliances_auditentry
    FOR EACH ROW EXECUTE FUNCTION chanjiao_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS alliances_auditentry_append_only ON alliances_auditentry;
DROP FUNCTION IF EXISTS chanjiao_audit_append_only();
"""


# SQLite (development and tests) refuses updates; deletes stay possible there so that test
# databases can be flushed between tests.
SQLITE_CREATE = """
CREATE TRIGGER alliances_auditentry_append_only BEFORE UPDATE ON alliances_auditentry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS alliances_auditentry_append_only;"


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("alliances", "0002_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
