"""A letter type's validity becomes an amount and a unit (days or months).

Every existing type keeps its number of days. The versions already recorded say the same in
the new words, so a type that did not change does not get a new version at its next letter.
Going back, a month becomes 30 days: the old schema can only count days.
"""

import django.core.validators
from django.db import migrations, models

DAYS, MONTHS = "hari", "bulan"


def days_to_amount(apps, schema_editor):
    LetterType = apps.get_model("letters", "LetterType")
    LetterTypeVersion = apps.get_model("letters", "LetterTypeVersion")
    for letter_type in LetterType.objects.all():
        letter_type.validity_amount = letter_type.validity_days
        letter_type.validity_unit = DAYS
        letter_type.save(update_fields=["validity_amount", "validity_unit"])
    for version in LetterTypeVersion.objects.filter(snapshot__has_key="validity_days"):
        snapshot = dict(version.snapshot)
        snapshot["validity_amount"] = snapshot.pop("validity_days")
        snapshot["validity_unit"] = DAYS
        version.snapshot = snapshot
        version.save(update_fields=["snapshot"])


def _days(amount, unit):
    return amount * 30 if unit == MONTHS else amount


def amount_to_days(apps, schema_editor):
    LetterType = apps.get_model("letters", "LetterType")
    LetterTypeVersion = apps.get_model("letters", "LetterTypeVersion")
    for letter_type in LetterType.objects.all():
        letter_type.validity_days = _days(letter_type.validity_amount, letter_type.validity_unit)
        letter_type.save(update_fields=["validity_days"])
    for version in LetterTypeVersion.objects.filter(snapshot__has_key="validity_amount"):
        snapshot = dict(version.snapshot)
        amount = snapshot.pop("validity_amount")
        snapshot["validity_days"] = _days(amount, snapshot.pop("validity_unit", DAYS))
        version.snapshot = snapshot
        version.save(update_fields=["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0006_statistics_index_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="lettertype",
            name="validity_amount",
            field=models.PositiveIntegerField(
                default=30,
                help_text="How long the letter is valid after the day it is issued.",
                validators=[
                    django.core.validators.MinValueValidator(
                        1, message="A letter is valid for at least 1 day or 1 month."
                    )
                ],
                verbose_name="validity",
            ),
        ),
        migrations.AddField(
            model_name="lettertype",
            name="validity_unit",
            field=models.CharField(
                choices=[("hari", "days"), ("bulan", "months")],
                default="hari",
                help_text=(
                    "1 month runs to the same date of the next month, or to its last day when "
                    "that month is shorter."
                ),
                max_length=10,
                verbose_name="validity unit",
            ),
        ),
        migrations.RunPython(days_to_amount, amount_to_days),
        migrations.RemoveField(
            model_name="lettertype",
            name="validity_days",
        ),
    ]
