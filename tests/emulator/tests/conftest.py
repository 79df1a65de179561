"""Helpers that build the real, unmodified Azure SDK clients against the emulator."""

import asyncio
import ssl

import httpx
import pytest
from azure.identity import ClientSecretCredential
from azure.identity.aio import ClientSecretCredential as AsyncClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.digitaltwins import AzureDigitalTwinsManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

ARM_SCOPE = 'https://management.azure.com/.default'
GRAPH_SCOPE = 'https://graph.microsoft.com/.default'


def seed_principal(emulator, key):
    for item in emulator.seed['service_principals'] + emulator.seed['users'] + emulator.seed['groups']:
        if item['key'] == key:
            return item
    raise KeyError(key)


class Azure:
    """SDK clients for one principal of the seeded directory."""

    def __init__(self, emulator, client_id, secret, credential=None):
        self.emulator = emulator
        self.url = emulator.url
        self.ca = emulator.ca_path
        self.tenant = emulator.env['AZURE_TENANT']
        self.subscription = emulator.env['AZURE_SUBSCRIPTION_ID']
        self.client_id = client_id
        self.secret = secret
        self.credential = credential or ClientSecretCredential(self.tenant, client_id, secret, authority=self.url, disable_instance_discovery=True,
                                                               connection_verify=self.ca)
        options = {'base_url': self.url, 'credential_scopes': [ARM_SCOPE], 'connection_verify': self.ca, 'retry_total': 2,
                   'retry_backoff_factor': 0.1}
        self.resources = ResourceManagementClient(self.credential, self.subscription, **options)
        self.twins = AzureDigitalTwinsManagementClient(self.credential, self.subscription, **options)
        self.authorization = AuthorizationManagementClient(self.credential, self.subscription, **options)

    @property
    def sub_scope(self):
        return f'/subscriptions/{self.subscription}'

    def role_id(self, name):
        definitions = list(self.authorization.role_definitions.list(self.sub_scope, filter=f"roleName eq '{name}'"))
        assert len(definitions) == 1
        return definitions[0].id

    def graph(self, coroutine_factory, scopes=(GRAPH_SCOPE,)):
        """Run `coroutine_factory(graph_client)` with msgraph-sdk wired to the emulator (contract section 7.4)."""
        async def run():
            credential = AsyncClientSecretCredential(self.tenant, self.client_id, self.secret, authority=self.url, disable_instance_discovery=True,
                                                     connection_verify=self.ca)
            try:
                auth = AzureIdentityAuthenticationProvider(credential, scopes=list(scopes))
                http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=ssl.create_default_context(cafile=self.ca)))
                adapter = GraphRequestAdapter(auth, client=http)
                adapter.base_url = f'{self.url}/v1.0'
                return await coroutine_factory(GraphServiceClient(request_adapter=adapter))
            finally:
                await credential.close()
        return asyncio.run(run())


def azure_for(emulator, key):
    item = seed_principal(emulator, key)
    return Azure(emulator, item['app_id'], item['secret'])


@pytest.fixture
def az(emu):
    """SDK clients of the automation principal (Owner of the subscription), emulator reset."""
    return Azure(emu, emu.env['AZURE_CLIENT_ID'], emu.env['AZURE_SECRET'])


@pytest.fixture
def limited(emu):
    return azure_for(emu, 'limited')


@pytest.fixture
def no_graph(emu):
    return azure_for(emu, 'no_graph')


@pytest.fixture
def fast(emu):
    """Short operations for tests where the duration is not the point."""
    emu.settings(provisioning_delay_seconds=0.2)
    return emu
