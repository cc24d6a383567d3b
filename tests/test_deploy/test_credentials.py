"""How the app proves itself to Microsoft Graph in Azure: the managed identity it runs as (no secret
to store or rotate), asked for a token the way Container Apps and App Service provide one."""
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app import graph_credential
from settings import load_settings

IDENTITY_CLIENT_ID = "5e8f2a1c-0b7d-4c3e-9f6a-1d2e3f4a5b6c"


@pytest.fixture
async def identity_endpoint(monkeypatch):
    """The local token endpoint Azure gives a container (IDENTITY_ENDPOINT + IDENTITY_HEADER)."""
    asked = []

    async def token(request: web.Request) -> web.Response:
        asked.append({"query": dict(request.query), "header": request.headers.get("X-IDENTITY-HEADER")})
        return web.json_response({"access_token": "token-for-the-identity", "expires_on": "4102444800",
                                  "resource": request.query.get("resource"), "token_type": "Bearer"})

    app = web.Application()
    app.router.add_get("/msi/token", token)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    monkeypatch.setenv("IDENTITY_ENDPOINT", str(server.make_url("/msi/token")))
    monkeypatch.setenv("IDENTITY_HEADER", "header-secret")
    yield asked
    await server.close()


async def test_with_a_managed_identity_graph_tokens_come_from_the_identity_endpoint_for_that_identity(identity_endpoint, tmp_path):
    settings = load_settings(_env_file=None, data_dir=tmp_path, graph_credential="managed_identity", graph_tenant_id="t",
                             graph_client_id=IDENTITY_CLIENT_ID, graph_organiser="meetings@council.example.org")
    assert settings.graph_configured  # no secret needed
    credential = graph_credential(settings)
    try:
        token = await credential.get_token("https://graph.microsoft.com/.default")
    finally:
        await credential.close()
    assert token.token == "token-for-the-identity"
    [asked] = identity_endpoint
    assert asked["header"] == "header-secret"
    assert asked["query"]["client_id"] == IDENTITY_CLIENT_ID  # the user-assigned identity, not the system one
    assert asked["query"]["resource"] == "https://graph.microsoft.com"


def test_a_client_secret_is_still_possible_and_is_the_default(tmp_path):
    from azure.identity.aio import ClientSecretCredential

    settings = load_settings(_env_file=None, data_dir=tmp_path, graph_tenant_id="t", graph_client_id="c",
                             graph_client_secret="s", graph_organiser="meetings@council.example.org")
    assert isinstance(graph_credential(settings), ClientSecretCredential)


def test_a_certificate_is_read_from_its_file(tmp_path):
    from azure.identity.aio import CertificateCredential
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from datetime import datetime, timedelta, timezone

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "strategy-bot")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = tmp_path / "graph.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
                    + certificate.public_bytes(serialization.Encoding.PEM))
    settings = load_settings(_env_file=None, data_dir=tmp_path, graph_credential="certificate", graph_tenant_id="t",
                             graph_client_id="c", graph_certificate_path=pem, graph_organiser="meetings@council.example.org")
    assert settings.graph_configured and isinstance(graph_credential(settings), CertificateCredential)
