"""bot.local_guard: what local mode answers, request by request (the HTTP trials are in test_tab_api and test_chasers)."""
import pytest
from aiohttp.test_utils import make_mocked_request

from bot.local_guard import ANOTHER_SITE, ELSEWHERE, refusal


def request(method="POST", host="127.0.0.1:3978", **headers):
    return make_mocked_request(method, "/api/tab/snooze", headers={"Host": host, **headers})


@pytest.mark.parametrize("host", ["127.0.0.1:3978", "127.0.0.2", "localhost:3978", "LOCALHOST", "[::1]:3978", "::1"])
def test_this_machine_by_any_of_its_loopback_names_is_answered(host):
    assert refusal(request(host=host), on_network=False) is None


@pytest.mark.parametrize("host", ["evil.example:3978", "evil.example", "192.168.1.5:3978", "[2001:db8::1]:3978", "",
                                  "localhost.evil.example", "127.0.0.1.nip.io:3978"])
def test_another_name_is_refused_unless_local_mode_is_on_the_network(host):
    assert refusal(request(host=host), on_network=False) == ELSEWHERE
    assert refusal(request(host=host), on_network=True) is None


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:8080", "https://127.0.0.1:3978"])
def test_a_change_sent_by_another_sites_page_is_refused_wherever_local_mode_listens(origin):
    for on_network in (False, True):
        assert refusal(request(Origin=origin), on_network=on_network) == ANOTHER_SITE
    assert refusal(request("GET", Origin=origin), on_network=False) is None  # a read it cannot see the answer to


def test_the_services_own_page_and_tools_without_an_origin_are_answered():
    assert refusal(request(Origin="http://127.0.0.1:3978"), on_network=False) is None
    assert refusal(request(), on_network=False) is None
