"""The registry of emulated resource providers.

Every module in this package that defines `PROVIDER` (a base.Provider) is registered: the app serves its routes and
admin hooks, and the state calls its hooks. Adding a provider is one new module here (plus its tests).
"""

import importlib
import pkgutil

from .base import Provider


def _discover():
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f'{__name__}.{info.name}')
        provider = getattr(module, 'PROVIDER', None)
        if isinstance(provider, Provider):
            found.append(provider)
    return tuple(sorted(found, key=lambda p: p.order))


REGISTRY = _discover()


def routes():
    """Every provider's REST routes."""
    return [route for provider in REGISTRY for route in provider.routes]


def admin_routes():
    """Every provider's admin hooks under /_emulator."""
    return [route for provider in REGISTRY for route in provider.admin_routes]
