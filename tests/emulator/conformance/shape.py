"""Compare two JSON documents by shape: the same keys recursively and the same value types; values may differ.

Paths are written ``$.a.b[*].c``; maps whose keys are data (``tags``, ``userAssignedIdentities``) are compared
value-by-value against the first value of the expected map, and list items against the first expected item.
"""

import fnmatch

MAP_KEYS = frozenset({'tags', 'userAssignedIdentities'})


def type_name(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'array'
    if isinstance(value, dict):
        return 'object'
    return type(value).__name__


def differences(expected, actual, path='$', maps=MAP_KEYS):
    """Every shape difference as (path, description)."""
    out = []
    expected_type, actual_type = type_name(expected), type_name(actual)
    if expected_type != actual_type:
        out.append((path, f'type {actual_type}, expected {expected_type}'))
        return out
    if expected_type == 'array':
        if expected and actual:
            for index, item in enumerate(actual):
                out.extend(differences(expected[min(index, len(expected) - 1)], item, f'{path}[*]', maps))
        return out
    if expected_type != 'object':
        return out
    if path.rsplit('.', 1)[-1] in maps:
        if expected and actual:
            sample = next(iter(expected.values()))
            for value in actual.values():
                out.extend(differences(sample, value, f'{path}.*', maps))
        return out
    for key in expected:
        if key not in actual:
            out.append((f'{path}.{key}', 'missing'))
    for key in actual:
        if key not in expected:
            out.append((f'{path}.{key}', 'unexpected key'))
    for key in expected:
        if key in actual:
            out.extend(differences(expected[key], actual[key], f'{path}.{key}', maps))
    return out


def unexplained(diffs, exceptions):
    """The differences no exception explains; ``exceptions`` maps a path glob (or ``glob|description glob``) to a reason."""
    out = []
    for where, what in diffs:
        explained = False
        for pattern in exceptions:
            path_glob, _sep, what_glob = pattern.partition('|')
            path_glob = path_glob.replace('[', '[[]')          # '[*]' is literal in our paths, not a character class
            if fnmatch.fnmatchcase(where, path_glob) and (not what_glob or fnmatch.fnmatchcase(what, what_glob)):
                explained = True
                break
        if not explained:
            out.append(f'{where}: {what}')
    return out
