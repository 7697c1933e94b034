"""The public templates' helpers (tracker/public/templating.py)."""

import datetime
import zoneinfo

from django.test import override_settings
from django.urls import set_script_prefix
from django.utils import translation

from tracker.public.templating import date, iso, static, url


def test_an_address_follows_the_script_prefix():
    assert url("tracker:story_detail", slug="s") == "/stories/s/"
    set_script_prefix("/news/")
    try:
        assert url("tracker:story_detail", slug="s") == "/news/stories/s/"
    finally:
        set_script_prefix("/")
    assert url("tracker:story_detail", slug="s") == "/stories/s/"


def test_an_address_follows_the_urlconf():
    assert url("tracker:story_list") == "/"
    with override_settings(ROOT_URLCONF="tests.urlconf_prefixed"):
        assert url("tracker:story_list") == "/prefixed/"


MOMENT = datetime.datetime(2024, 2, 17, 22, 30, tzinfo=datetime.UTC)


def test_a_date_follows_the_sites_time_zone():
    assert date(MOMENT, "j F Y, H:i") == "17 February 2024, 22:30"
    assert iso(MOMENT) == "2024-02-17T22:30:00.000+00:00"
    with override_settings(TIME_ZONE="Asia/Karachi"):
        assert date(MOMENT, "j F Y, H:i") == "18 February 2024, 03:30"
        assert iso(MOMENT) == "2024-02-18T03:30:00.000+05:00"
    assert date(MOMENT, "j F Y, H:i") == "17 February 2024, 22:30"


def test_equal_moments_in_other_zones_print_apart():
    karachi = MOMENT.astimezone(zoneinfo.ZoneInfo("Asia/Karachi"))
    assert karachi == MOMENT  # the same instant, so equal as keys would be
    assert date(MOMENT, "e") == "UTC"
    assert date(karachi, "e") == "UTC"  # printed in the site's zone either way
    with override_settings(TIME_ZONE="Asia/Karachi"):
        assert date(MOMENT, "e") == date(karachi, "e") == "PKT"


def test_a_date_follows_the_language():
    day = datetime.date(2024, 2, 17)
    assert date(day, "j F Y") == "17 February 2024"
    with translation.override("fr"):
        assert date(day, "j F Y") == "17 février 2024"
    assert date(day, "j F Y") == "17 February 2024"


def test_a_static_address_follows_the_static_url():
    assert static("tracker/site.css").startswith("/static/tracker/site.")
    with override_settings(STATIC_URL="/assets/"):
        assert static("tracker/site.css").startswith("/assets/tracker/site.")
