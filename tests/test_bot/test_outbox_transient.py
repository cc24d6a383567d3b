"""The outbox's one classification of failures, for the network errors each client raises."""
import asyncio

import aiohttp
import httpx

from bot.outbox import transient


def test_network_failures_of_every_client_are_worth_trying_again():
    for error in (asyncio.TimeoutError(), aiohttp.ClientConnectionError("reset"), ConnectionResetError(),
                  httpx.ConnectTimeout("Graph did not answer")):  # httpx: Graph's client (kiota)
        assert transient(error) == (True, None), error


def test_a_programming_error_is_not_retried():
    assert transient(ValueError("bad data")) == (False, None)
