"""Failed admin logins lock an account at an address, or an account tried from
many addresses; never a shared office address; an editor can unlock."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from .people import PASSWORD, member_of

OFFICE = "198.51.100.7"


@pytest.fixture
def staff(db):
    return {name: member_of("Editors", name) for name in ("edna", "colleague", "chief")}


def login(username, password, address=OFFICE, client=None):
    data = {"username": username, "password": password, "next": "/admin/"}
    return (client or Client()).post(reverse("admin:login"), data, REMOTE_ADDR=address)


def test_one_person_s_typos_lock_only_that_person_at_the_shared_address(staff):
    for _ in range(4):
        assert login("edna", "wrong").status_code == 200
    assert login("edna", "wrong").status_code == 429
    assert login("edna", PASSWORD).status_code == 429
    assert login("colleague", PASSWORD).status_code == 302
    assert login("edna", PASSWORD, address="203.0.113.5").status_code == 302  # from home


def test_forty_wrong_passwords_from_ten_addresses_lock_the_account_everywhere(staff):
    addresses = [f"192.0.2.{n}" for n in range(10)]
    statuses = [login("edna", "wrong", address).status_code for _ in range(4) for address in addresses]
    assert statuses.count(200) == 19 and set(statuses[19:]) == {429}  # the 20th failure locks the account
    assert login("edna", PASSWORD, address="203.0.113.5").status_code == 429
    assert login("edna", PASSWORD).status_code == 429
    assert login("colleague", PASSWORD, address=addresses[0]).status_code == 302


def test_fewer_failures_over_several_addresses_lock_nothing(staff):
    for address in (f"192.0.2.{n}" for n in range(4)):
        for _ in range(4):
            assert login("edna", "wrong", address).status_code == 200
    assert login("edna", PASSWORD, address="203.0.113.5").status_code == 302


def test_the_lockout_page_says_how_long_to_wait(staff):
    for _ in range(5):
        response = login("edna", "wrong")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed logins" in html and "Try again in 15 minutes." in html
    assert "<!DOCTYPE html>" in html


def test_the_lockout_ends_fifteen_minutes_after_the_latest_failure(staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            login("edna", "wrong")
        clock.shift(datetime.timedelta(minutes=14))
        assert login("edna", PASSWORD).status_code == 429  # a try while locked starts the wait again
        clock.shift(datetime.timedelta(minutes=16))
        assert login("edna", PASSWORD).status_code == 302


def test_an_editor_unlocks_an_account_by_deleting_its_attempts(staff):
    for _ in range(5):
        login("edna", "wrong")
    assert login("edna", PASSWORD).status_code == 429
    chief = Client()
    assert login("chief", PASSWORD, client=chief).status_code == 302
    changelist = reverse("admin:axes_accessattempt_changelist")
    listed = chief.get(changelist, {"q": "edna"})
    assert listed.status_code == 200 and "edna" in listed.content.decode()
    attempts = list(AccessAttempt.objects.filter(username="edna").values_list("pk", flat=True))
    confirmed = chief.post(changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"})
    assert confirmed.status_code == 302
    assert not AccessAttempt.objects.filter(username="edna").exists()
    assert login("edna", PASSWORD).status_code == 302


def test_reporters_cannot_see_or_clear_failed_logins(db):
    member_of("Reporters", "rita")
    client = Client()
    assert login("rita", PASSWORD, client=client).status_code == 302
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
