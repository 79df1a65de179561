"""Cloud metadata endpoint (/metadata/endpoints) in the document forms that ARM publishes."""

from .arm_errors import EmulatorError
from .tokens import ARM_AUDIENCES
from .web import Route, respond

PUBLIC_SUFFIXES = {
    'azureDataLakeStoreFileSystem': 'azuredatalakestore.net', 'acrLoginServer': 'azurecr.io', 'sqlServerHostname': 'database.windows.net',
    'azureDataLakeAnalyticsCatalogAndJob': 'azuredatalakeanalytics.net', 'keyVaultDns': 'vault.azure.net', 'storage': 'core.windows.net',
    'azureFrontDoorEndpointSuffix': 'azurefd.net', 'storageSyncEndpointSuffix': 'afs.azure.net', 'mhsmDns': 'managedhsm.azure.net',
    'mysqlServerEndpoint': 'mysql.database.azure.com', 'postgresqlServerEndpoint': 'postgres.database.azure.com',
    'mariadbServerEndpoint': 'mariadb.database.azure.com', 'synapseAnalytics': 'dev.azuresynapse.net', 'attestationEndpoint': 'attest.azure.net',
}


def _audiences(base):
    """The public ARM audiences, then the emulator's own resource-manager URL (which its ARM accepts too)."""
    return list(ARM_AUDIENCES) + [base]


def _cloud(base):
    """The 2019-05-01 / 2022-09-01 per-cloud object.

    ARM keeps the public audiences; Microsoft Graph is served by the emulator itself, so microsoftGraphResourceId (the
    Graph endpoint and token audience for custom clouds, as azure-cli reads it) is the emulator's own URL.
    """
    return {
        'portal': 'https://portal.azure.com',
        'authentication': {'loginEndpoint': base, 'audiences': _audiences(base), 'tenant': 'common', 'identityProvider': 'AAD'},
        'media': 'https://rest.media.azure.net',
        'graphAudience': 'https://graph.windows.net/',
        'graph': base,
        'name': 'AzureCloud',
        'suffixes': dict(PUBLIC_SUFFIXES),
        'batch': 'https://batch.core.windows.net/',
        'resourceManager': base,
        'vmImageAliasDoc': 'https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json',
        'activeDirectoryDataLake': 'https://datalake.azure.net/',
        'sqlManagement': 'https://management.core.windows.net:8443/',
        'gallery': 'https://gallery.azure.com/',
    }


def metadata_document(base, api_version):
    if api_version in ('1.0', '2015-01-01'):
        return {'galleryEndpoint': 'https://gallery.azure.com/', 'graphEndpoint': base, 'portalEndpoint': 'https://portal.azure.com/',
                'authentication': {'loginEndpoint': base, 'audiences': _audiences(base)}}
    if api_version == '2018-01-01':
        return {'galleryEndpoint': 'https://gallery.azure.com/', 'graphEndpoint': base, 'portalEndpoint': 'https://portal.azure.com/',
                'graphAudience': 'https://graph.windows.net/',
                'authentication': {'loginEndpoint': base, 'audiences': _audiences(base), 'tenant': 'common', 'identityProvider': 'AAD'},
                'cloudEndpoint': {'public': {'endpoint': base.split('//', 1)[1].rstrip('/'), 'locations': []}}}
    if api_version == '2019-05-01':
        return [_cloud(base)]
    if api_version == '2022-09-01':
        cloud = _cloud(base)
        cloud.pop('gallery')
        cloud.update({'microsoftGraphResourceId': base, 'appInsightsResourceId': 'https://api.applicationinsights.io',
                      'appInsightsTelemetryChannelResourceId': 'https://dc.applicationinsights.azure.com/v2/track',
                      'attestationResourceId': 'https://attest.azure.net', 'synapseAnalyticsResourceId': 'https://dev.azuresynapse.net',
                      'logAnalyticsResourceId': 'https://api.loganalytics.io', 'ossrDbmsResourceId': 'https://ossrdbms-aad.database.windows.net'})
        return cloud
    return None


SUPPORTED = ('1.0', '2015-01-01', '2018-01-01', '2019-05-01', '2022-09-01')


def get_metadata(call):
    document = metadata_document(call.base_url + '/', call.api_version)
    if document is None:
        raise EmulatorError(400, 'InvalidApiVersionParameter',
                            f"The api-version '{call.api_version}' is invalid. The supported versions are '{','.join(SUPPORTED)}'.")
    return respond(200, document)


def _any_version(_call, _groups):
    return None


ROUTES = [Route('/metadata/endpoints', {'GET': get_metadata}, auth=None, api=_any_version)]
