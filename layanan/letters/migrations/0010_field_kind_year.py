"""Years are asked as years (issue 18): the catalogue's "Tahun Mulai Usaha" becomes a field
of kind "year" (four digits, 1900 up to this year) in installed letter types, instead of a
number shown as a quantity ("2.016"). Requests keep the field definitions they were made
with; their years read right all the same (fields.is_quantity).

Requests also get the applicant's Kewarganegaraan; those made before have none ("").
"""

from django.db import migrations, models

FIELD = "tahun_mulai_usaha"
# What the catalogue shipped for it: bounds the year kind replaces with its own.
SHIPPED_BOUNDS = {"min": 1950, "max": 2100}


def _as_year(field: dict) -> dict:
    if field.get("name") != FIELD or field.get("kind") != "number":
        return field
    year = {**field, "kind": "year"}
    for key, shipped in SHIPPED_BOUNDS.items():
        bound = year.get(key)
        if bound == shipped or not (isinstance(bound, int) and 1000 <= bound <= 9999):
            year.pop(key, None)
    return year


def forwards(apps, schema_editor):
    LetterType = apps.get_model("letters", "LetterType")
    for letter_type in LetterType.objects.all():
        fields = [_as_year(field) for field in letter_type.fields or []]
        if fields != (letter_type.fields or []):
            letter_type.fields = fields
            letter_type.save(update_fields=["fields"])


def backwards(apps, schema_editor):
    LetterType = apps.get_model("letters", "LetterType")
    for letter_type in LetterType.objects.all():
        fields = [
            {**field, "kind": "number"}
            if field.get("name") == FIELD and field.get("kind") == "year"
            else field
            for field in letter_type.fields or []
        ]
        if fields != (letter_type.fields or []):
            letter_type.fields = fields
            letter_type.save(update_fields=["fields"])


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0009_letter_access_code_public_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="letterrequest",
            name="applicant_citizenship",
            field=models.CharField(
                blank=True, default="", max_length=40, verbose_name="citizenship"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
