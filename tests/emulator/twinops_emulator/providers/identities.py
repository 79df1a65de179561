"""Microsoft.ManagedIdentity/userAssignedIdentities, as far as the emulator knows them.

The emulator holds no identity resources of its own: an identity exists once a Digital Twins instance names it in
`identity.userAssignedIdentities`; it then gets a service principal in the directory (its clientId and principalId).
Those identities count as existing resources for the permissions endpoint; they are not listed by GET .../resources
(they have no location or tags here) and stay when their resource group is deleted.
"""

from .. import directory as dirmod
from .base import Provider

RESOURCE_TYPE = 'Microsoft.ManagedIdentity/userAssignedIdentities'


def ensure(state, resource_id):
    """The {clientId, principalId} of the identity `resource_id`, creating its service principal on first use."""
    key = resource_id.lower()
    if key not in state.user_assigned:
        principal = dirmod.new_service_principal(resource_id.rstrip('/').rsplit('/', 1)[-1], sp_type='ManagedIdentity', tenant_id=state.tenant_id,
                                                 alternative_names=['isExplicit=True', resource_id])
        state.directory.add(principal)
        state.user_assigned[key] = {'clientId': principal['appId'], 'principalId': principal['id']}
    return state.user_assigned[key]


class Identities(Provider):
    name = 'Microsoft.ManagedIdentity'

    def reset(self, state):
        state.user_assigned = {}

    def find(self, state, sub, rg, namespace, pairs):
        resource_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{'/'.join(pairs)}"
        # Only the identities the emulator made are known; any other id is not claimed (None), as before.
        return True if resource_id.lower() in state.user_assigned else None


PROVIDER = Identities()
