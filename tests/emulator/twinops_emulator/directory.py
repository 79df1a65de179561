"""The emulated Entra ID directory: users, service principals and groups, keyed by object id."""

import time
import uuid


class Directory:
    """Directory objects. Graph-visible fields use Graph's camelCase names; internal fields start with '_'."""

    def __init__(self):
        self.objects = {}
        self.by_app_id = {}
        self.by_upn = {}
        self.group_ids = {}

    def add(self, obj):
        self.objects[obj['id'].lower()] = obj
        if obj['kind'] == 'servicePrincipal':
            self.by_app_id[obj['appId'].lower()] = obj
        if obj['kind'] == 'user':
            self.by_upn[obj['userPrincipalName'].lower()] = obj
        if obj['kind'] == 'group':
            self.group_ids[obj['id'].lower()] = None
        return obj

    def remove(self, object_id):
        obj = self.objects.pop(object_id.lower(), None)
        if obj is None:
            return
        if obj['kind'] == 'servicePrincipal':
            self.by_app_id.pop(obj['appId'].lower(), None)
        if obj['kind'] == 'user':
            self.by_upn.pop(obj['userPrincipalName'].lower(), None)
        self.group_ids.pop(obj['id'].lower(), None)
        for group in self.groups():
            group['_members'].discard(obj['id'].lower())

    def get(self, object_id):
        return self.objects.get(str(object_id).lower())

    def of_kind(self, kind):
        return [o for o in self.objects.values() if o['kind'] == kind]

    def arm_visible(self, object_id):
        """The object as ARM sees it: None while its replication delay has not passed."""
        obj = self.get(object_id)
        if obj is None or obj.get('_arm_visible_at', 0) > time.time():
            return None
        return obj

    def groups(self):
        return [self.objects[k] for k in self.group_ids]

    def groups_of(self, object_id):
        key = str(object_id).lower()
        return [g['id'] for g in self.groups() if key in g['_members']]


def new_user(display_name, upn, mail=None, other_mails=None, user_type='Member', object_id=None, given_name=None, surname=None, password=None):
    return {'kind': 'user', 'id': object_id or str(uuid.uuid4()), 'displayName': display_name, 'userPrincipalName': upn, 'mail': mail,
            'otherMails': list(other_mails or []), 'userType': user_type, 'givenName': given_name, 'surname': surname,
            'accountEnabled': True, 'businessPhones': [], 'jobTitle': None, 'mobilePhone': None, 'officeLocation': None,
            'preferredLanguage': None, 'mailNickname': upn.split('@')[0], '_password': password, '_arm_visible_at': 0}


def new_service_principal(display_name, app_id=None, object_id=None, secret=None, directory_read=False, sp_type='Application',
                          tenant_id=None, alternative_names=None):
    app_id = app_id or str(uuid.uuid4())
    return {'kind': 'servicePrincipal', 'id': object_id or str(uuid.uuid4()), 'appId': app_id, 'displayName': display_name,
            'appDisplayName': display_name if sp_type == 'Application' else None, 'servicePrincipalType': sp_type,
            'accountEnabled': True, 'appOwnerOrganizationId': tenant_id if sp_type == 'Application' else None,
            'servicePrincipalNames': [app_id] + list(alternative_names or []), 'alternativeNames': list(alternative_names or []),
            'tags': [], 'signInAudience': 'AzureADMyOrg' if sp_type == 'Application' else None,
            '_secrets': [secret] if secret else [], '_certs': [], '_federated': [], '_directory_read': directory_read, '_arm_visible_at': 0}


def new_group(display_name, mail_nickname=None, object_id=None, description=None):
    return {'kind': 'group', 'id': object_id or str(uuid.uuid4()), 'displayName': display_name, 'description': description,
            'mailNickname': mail_nickname or display_name.replace(' ', ''), 'mail': None, 'mailEnabled': False, 'securityEnabled': True,
            'groupTypes': [], '_members': set(), '_arm_visible_at': 0}
