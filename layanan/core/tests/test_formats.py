import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Template
from django.utils import formats


def test_dates_read_as_indonesians_write_them():
    assert formats.date_format(dt.date(2022, 11, 6)) == "06 November 2022"
    assert formats.date_format(dt.date(2022, 1, 1)) == "01 Januari 2022"
    assert formats.date_format(dt.date(2022, 8, 17)) == "17 Agustus 2022"


def test_times_are_shown_in_western_indonesian_time():
    instant = dt.datetime(2022, 11, 6, 1, 30, tzinfo=dt.UTC)
    rendered = Template("{{ when|date:'DATETIME_FORMAT' }}").render(Context({"when": instant}))

    assert settings.TIME_ZONE == "Asia/Jakarta"
    assert rendered == "06 November 2022, 08.30"
    assert instant.astimezone(ZoneInfo("Asia/Jakarta")).hour == 8
