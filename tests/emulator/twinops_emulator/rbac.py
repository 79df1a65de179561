"""Role definitions and role assignments, indexed by scope, principal and (scope, role, principal)."""

import functools
import itertools
import re

ASSIGNMENTS = '/providers/microsoft.authorization/roleassignments/'


def scope_key(scope):
    """Case-insensitive comparison key of a scope: lower case, one leading slash, no trailing slash; '/' for the root."""
    trimmed = '/' + str(scope).strip('/')
    return trimmed.lower()


def ancestors(key):
    """Every prefix of a scope key, from '/' down to the key itself."""
    if key == '/':
        return ['/']
    parts = key.strip('/').split('/')
    return ['/'] + ['/' + '/'.join(parts[:i]) for i in range(1, len(parts) + 1)]


def is_at_or_above(candidate, key):
    return candidate == '/' or key == candidate or key.startswith(candidate + '/')


@functools.lru_cache(maxsize=512)
def _pattern(action):
    return re.compile('^' + re.escape(action).replace('\\*', '.*') + '$', re.IGNORECASE)


def permits(definition, action):
    """True when one permission block of the role allows `action` (control-plane actions only)."""
    for block in definition['permissions']:
        if any(_pattern(a).match(action) for a in block.get('actions') or []) and \
                not any(_pattern(a).match(action) for a in block.get('notActions') or []):
            return True
    return False


class ScopeView:
    """Ordered, read-only view over several scope buckets: len() and slicing without copying every assignment."""

    def __init__(self, assignments, buckets):
        self.assignments = assignments
        self.buckets = [b for b in buckets if b]

    def __len__(self):
        return sum(len(b) for b in self.buckets)

    def __iter__(self):
        return (self.assignments[k] for bucket in self.buckets for k in bucket)

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError('ScopeView supports slices only')
        return list(itertools.islice(iter(self), item.start, item.stop))


class Rbac:
    def __init__(self):
        self.definitions = {}
        self.assignments = {}
        self.by_scope = {}
        self.by_principal = {}
        self.by_tuple = {}

    # ---- definitions -----------------------------------------------------------------------------------------
    def add_definition(self, definition):
        self.definitions[definition['name'].lower()] = definition

    def definition(self, guid):
        return self.definitions.get(str(guid).lower())

    def definition_by_name(self, role_name):
        for definition in self.definitions.values():
            if definition['roleName'].lower() == role_name.lower():
                return definition
        return None

    def definition_in_use(self, guid):
        return any(a['roleGuid'] == guid.lower() for a in self.assignments.values())

    # ---- assignments -----------------------------------------------------------------------------------------
    @staticmethod
    def assignment_id(scope, name):
        base = '' if scope_key(scope) == '/' else '/' + str(scope).strip('/')
        return f'{base}/providers/Microsoft.Authorization/roleAssignments/{name}'

    def get(self, assignment_id):
        return self.assignments.get(assignment_id.lower())

    def find_tuple(self, scope, role_guid, principal_id):
        return self.by_tuple.get((scope_key(scope), role_guid.lower(), principal_id.lower()))

    def add(self, record):
        key = record['id'].lower()
        self.assignments[key] = record
        self.by_scope.setdefault(record['scopeKey'], {})[key] = None
        self.by_principal.setdefault(record['principalId'].lower(), {})[key] = None
        self.by_tuple[(record['scopeKey'], record['roleGuid'], record['principalId'].lower())] = key

    def remove(self, assignment_id):
        key = assignment_id.lower()
        record = self.assignments.pop(key, None)
        if record is None:
            return None
        self.by_scope.get(record['scopeKey'], {}).pop(key, None)
        if not self.by_scope.get(record['scopeKey']):
            self.by_scope.pop(record['scopeKey'], None)
        self.by_principal.get(record['principalId'].lower(), {}).pop(key, None)
        self.by_tuple.pop((record['scopeKey'], record['roleGuid'], record['principalId'].lower()), None)
        return record

    def remove_under(self, scope):
        """Delete every assignment at or below `scope` (used when a resource group or resource goes away)."""
        key = scope_key(scope)
        doomed = [k for s, ids in self.by_scope.items() if s == key or s.startswith(key + '/') for k in ids]
        for assignment_id in doomed:
            self.remove(assignment_id)

    def at_or_above(self, scope):
        """Assignments at the scope or any parent scope, in index order (a lazy view)."""
        return ScopeView(self.assignments, [self.by_scope.get(key) for key in ancestors(scope_key(scope))])

    def related(self, scope):
        """Assignments at, above or below the scope."""
        key = scope_key(scope)
        out = list(self.at_or_above(scope))
        for other, ids in self.by_scope.items():
            if other != key and other.startswith(key + '/' if key != '/' else '/'):
                out.extend(self.assignments[k] for k in ids)
        return out

    def for_principals(self, principal_ids, scope):
        """Assignments of the principals at, above or below the scope."""
        key = scope_key(scope)
        out = []
        for principal in principal_ids:
            for k in self.by_principal.get(principal.lower(), ()):
                record = self.assignments[k]
                if is_at_or_above(record['scopeKey'], key) or is_at_or_above(key, record['scopeKey']):
                    out.append(record)
        return out

    def effective_permissions(self, principal_ids, scope):
        """The permission blocks of every role the principals hold at or above the scope (the caller's own, its
        groups', inherited from parent scopes), in assignment order; a block several assignments share appears once."""
        key = scope_key(scope)
        blocks, seen = [], set()
        for principal in principal_ids:
            for k in self.by_principal.get(principal.lower(), ()):
                record = self.assignments[k]
                definition = self.definitions.get(record['roleGuid'])
                if definition is None or not is_at_or_above(record['scopeKey'], key):
                    continue
                for block in definition['permissions']:
                    rendered = {name: list(block.get(name) or []) for name in ('actions', 'notActions', 'dataActions', 'notDataActions')}
                    marker = tuple(tuple(rendered[name]) for name in sorted(rendered))
                    if marker not in seen:
                        seen.add(marker)
                        blocks.append(rendered)
        return blocks

    def allowed(self, principal_ids, scope, action):
        """True when an assignment of one of the principals at or above the scope grants `action`."""
        key = scope_key(scope)
        for principal in principal_ids:
            for k in self.by_principal.get(principal.lower(), ()):
                record = self.assignments[k]
                if is_at_or_above(record['scopeKey'], key):
                    definition = self.definitions.get(record['roleGuid'])
                    if definition and permits(definition, action):
                        return True
        return False
