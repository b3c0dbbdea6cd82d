"""Create the single chain head row up front, so concurrent first writes never race to create it."""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(
        id=1, defaults={"last_hash": GENESIS_HASH, "length": 0}
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
