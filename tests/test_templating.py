"""The public templates' helpers (tracker/templating.py)."""

from django.test import override_settings
from django.urls import set_script_prefix

from tracker.templating import url


def test_a_remembered_address_follows_the_script_prefix():
    assert url("tracker:story_detail", slug="s") == "/stories/s/"
    set_script_prefix("/news/")
    try:
        assert url("tracker:story_detail", slug="s") == "/news/stories/s/"
    finally:
        set_script_prefix("/")
    assert url("tracker:story_detail", slug="s") == "/stories/s/"


def test_a_remembered_address_follows_the_urlconf():
    assert url("tracker:story_list") == "/"
    with override_settings(ROOT_URLCONF="tests.urlconf_prefixed"):
        assert url("tracker:story_list") == "/prefixed/"
