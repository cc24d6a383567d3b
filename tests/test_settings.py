"""Start-up configuration: a wrong setting is one line naming it and a non-zero exit, never a traceback."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def start(env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith(("MICROSOFT", "BOT_", "GRAPH_", "DATABASE", "PROTOCOL"))}
    clean.update({"DATA_DIR": str(tmp_path), "PORT": "1"}, **env)
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MICROSOFT_APP_ID": "abc"}, "MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set"),
        ({"MicrosoftAppId": "abc"}, "MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set"),
        ({"BOT_ID": "abc", "BOT_PASSWORD": "x", "BOT_TYPE": "SingleTenant"}, "MICROSOFT_APP_TENANT_ID: required"),
        ({"PROTOCOL_PROFILE": "leeds"}, "PROTOCOL_PROFILE: unknown profile 'leeds'"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL: cannot parse 'not a url'"),
        ({"DATABASE_URL": "mysql://db/strategy"}, "DATABASE_URL: unsupported database 'mysql'"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE: unknown time zone"),
        ({"HOLIDAY_REGION": "IRL"}, "HOLIDAY_REGION: Input should be 'ENG', 'WLS', 'SCT' or 'NIR'"),
        ({"PORT": "eighty"}, "PORT: Input should be a valid integer"),
        ({"GRAPH_CLIENT_ID": "abc"}, "GRAPH_*: with GRAPH_CREDENTIAL=secret, set all of GRAPH_TENANT_ID, GRAPH_CLIENT_ID, "
                                     "GRAPH_ORGANISER, GRAPH_CLIENT_SECRET, or none"),
        ({"GRAPH_CREDENTIAL": "managed_identity", "GRAPH_CLIENT_ID": "abc"},
         "GRAPH_*: with GRAPH_CREDENTIAL=managed_identity, set all of GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_ORGANISER, or none"),
        ({"GRAPH_CREDENTIAL": "password"}, "GRAPH_CREDENTIAL: Input should be 'secret', 'certificate' or 'managed_identity'"),
        ({"GRAPH_CREDENTIAL": "certificate", "GRAPH_TENANT_ID": "t", "GRAPH_CLIENT_ID": "c", "GRAPH_ORGANISER": "m@x.org",
          "GRAPH_CERTIFICATE_PATH": "/nonexistent/graph.pem"}, "GRAPH_CERTIFICATE_PATH: no such file /nonexistent/graph.pem"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: Input should be 'text' or 'json'"),
        ({"CHAIRS_GROUP_ID": "grp"}, "CHAIRS_GROUP_ID: needs the GRAPH_* settings"),
    ],
)
def test_bad_settings_stop_the_service_with_one_line(env, message, tmp_path):
    result = start(env, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_defaults_are_local_sqlite_on_loopback(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith(("MICROSOFT", "BOT_", "DATABASE", "PROTOCOL", "HOST", "PORT")):
            monkeypatch.delenv(name)
    settings = load_settings(_env_file=None, data_dir=tmp_path)
    assert (settings.host, settings.port, settings.local_mode) == ("127.0.0.1", 3978, True)
    assert settings.sqlalchemy_url == f"sqlite+aiosqlite:///{tmp_path / 'strategy-bot.db'}"
    assert settings.time_zone == "Europe/London" and settings.protocol_profile == "hackney"


def test_allowed_tenants_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ALLOWED_TENANT_IDS", "t1, t2,,t3")
    assert load_settings(_env_file=None).allowed_tenant_ids == ("t1", "t2", "t3")


def test_postgres_urls_are_accepted_in_the_usual_spellings():
    from storage.urls import normalise_database_url

    assert normalise_database_url("postgres://u:p@db/strategy").drivername == "postgresql+asyncpg"
    assert normalise_database_url("postgresql://u@db/strategy").drivername == "postgresql+asyncpg"
    assert normalise_database_url("sqlite:///data/x.db").drivername == "sqlite+aiosqlite"
    # libpq's sslmode (as the Azure portal prints it) reaches asyncpg as its own `ssl` argument.
    assert dict(normalise_database_url("postgresql://u:p@db.postgres.database.azure.com/strategy_bot?sslmode=require").query) == {
        "ssl": "require"}


def test_a_malformed_contacts_file_stops_the_service_with_its_line(tmp_path):
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text("contacts:\n  - agency: police\n    name: A\n    email: a@x.org\n  - agency: sheriff\n    name: B\n    email: b@x.org\n")
    result = start({"CONTACTS_FILE": str(contacts)}, tmp_path)
    assert result.returncode == 2
    assert "CONTACTS_FILE:" in result.stderr and "line 5: unknown agency 'sheriff'" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_graph_settings_meetings_and_mail_go_through_graph(tmp_path):
    from app import OUTBOX, SERVICES, init_app
    from bot.mailer import GraphMailer
    from scheduling.meetings.graph import GraphMeetingProvider

    settings = load_settings(_env_file=None, data_dir=tmp_path, graph_tenant_id="t", graph_client_id="c",
                             graph_client_secret="s", graph_organiser="meetings@council.example.org")
    app = init_app(settings)  # builds the clients; nothing is requested until a meeting or mail is sent
    assert isinstance(app[SERVICES].meetings, GraphMeetingProvider)
    mailer = app[OUTBOX].kinds["email"].mailer
    assert isinstance(mailer, GraphMailer) and app[OUTBOX].kinds["chase"].mailer is mailer
    assert app[SERVICES].meetings.client is mailer.client  # one Graph client for both


def test_code_wins_over_the_environment_which_wins_over_the_env_file(tmp_path, monkeypatch):
    # The order pydantic-settings gave, kept when settings.py took over reading them (issue 19).
    for name in list(os.environ):
        if name.upper().startswith(("MICROSOFT", "BOT_", "APP_", "PORT", "LOG_LEVEL", "SWEEP")):
            monkeypatch.delenv(name)
    env_file = tmp_path / ".env"
    env_file.write_text('# a comment\nexport PORT=4000\nLOG_LEVEL="DEBUG"  # inline\nBOT_ID=from-file\nsweep_seconds=90\nBARE\n')
    from settings import Settings

    from_file = Settings(_env_file=env_file)
    assert (from_file.port, from_file.log_level, from_file.app_id, from_file.sweep_seconds) == (4000, "DEBUG", "from-file", 90)
    monkeypatch.setenv("port", "4001")  # any case
    monkeypatch.setenv("MicrosoftAppId", "from-env")
    from_env = Settings(_env_file=env_file)
    assert (from_env.port, from_env.app_id, from_env.log_level) == (4001, "from-env", "DEBUG")
    assert Settings(_env_file=env_file, port=4002, app_id="from-code").port == 4002
    assert Settings(_env_file=env_file, app_id="from-code").app_id == "from-code"
    assert Settings(_env_file=None).port == 4001 and Settings(_env_file=None).log_level == "INFO"


def test_a_setting_with_several_names_takes_the_first_one_set(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith(("MICROSOFT", "BOT_", "APP_")):
            monkeypatch.delenv(name)
    from settings import Settings

    monkeypatch.setenv("APP_ID", "fourth")
    monkeypatch.setenv("BOT_ID", "third")
    assert Settings(_env_file=None).app_id == "third"
    monkeypatch.setenv("MICROSOFT_APP_ID", "first")
    assert Settings(_env_file=None).app_id == "first"


def test_a_second_instance_on_a_port_in_use_stops_with_one_line_before_any_job_runs(tmp_path):
    """The hostile trial: it started its scheduler (an outbox tick, a sweep) against the first one's
    database, then failed to bind with tracebacks."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = start({"PORT": str(port), "HOST": "127.0.0.1"}, tmp_path)
    assert result.returncode == 4
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "another instance" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "strategy-bot.db").exists()  # nothing migrated, nothing run


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "strategy-bot.council.example.org"])
def test_local_mode_will_not_listen_beyond_this_machine_and_says_in_one_line_what_to_set(host, tmp_path):
    """A privacy trial: the image (HOST=0.0.0.0) started without MICROSOFT_APP_ID served the tab's API
    and /_debug, without sign-in, to anyone on the network."""
    result = start({"HOST": host}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"strategy-bot: configuration error: HOST: local mode (no MICROSOFT_APP_ID) accepts requests without authentication, "
        f"so it listens on 127.0.0.1, ::1 or localhost only, not {host}; set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, "
        "or HOST=127.0.0.1, or LOCAL_MODE_ON_NETWORK=yes to serve it there anyway")
    assert not (tmp_path / "strategy-bot.db").exists()  # stopped before anything was migrated or served


def test_local_mode_listens_on_the_network_when_the_operator_says_so(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("MICROSOFT", "BOT_", "GRAPH_", "DATABASE", "PROTOCOL"))}
    env.update({"DATA_DIR": str(tmp_path), "PORT": str(port), "HOST": "0.0.0.0", "LOCAL_MODE_ON_NETWORK": "yes"})
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)  # waiting for a process to start, not timing anything
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert "LOCAL_MODE_ON_NETWORK is set: this service without authentication listens beyond this machine" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_local_mode_on_this_machine_needs_no_setting(host, tmp_path):
    from settings import check_listening

    check_listening(load_settings(_env_file=None, data_dir=tmp_path, app_id="", host=host), host)


def test_with_an_app_id_every_request_is_authenticated_so_any_host_will_do(tmp_path):
    settings = load_settings(_env_file=None, data_dir=tmp_path, app_id="abc", app_password="x", host="0.0.0.0")
    assert settings.host == "0.0.0.0" and not settings.local_mode
