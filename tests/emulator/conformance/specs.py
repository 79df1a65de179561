"""Load the vendored swagger 2.0 specs, find operations by method and path, and validate response bodies.

``$ref`` resolution (relative file references included) is done by ``referencing``; validation by ``jsonschema``.
This module only turns swagger 2.0 schema objects into JSON Schema, following the semantics of Azure's own model
validator (Azure/oav ``lib/transform`` and ``lib/swaggerValidator/ajv.ts``):

- ``allOf`` parents are flattened into the child (own properties win, ``required`` lists are merged);
- an object schema with properties and no ``additionalProperties`` is closed (extra keys are errors), except a
  discriminator base, which dispatches on the discriminator value (``x-ms-discriminator-value`` or the definition
  name) to the matching subtype;
- ``x-nullable``: a property not listed in ``required``, an array item and a map value may be ``null`` unless
  ``x-nullable: false``; a required property may be ``null`` only with ``x-nullable: true``;
- ``x-ms-enum.modelAsString: true`` makes the enum open (any string); other enums are closed;
- ``readOnly`` and ``x-ms-client-flatten`` have no effect on a response; a property whose ``x-ms-mutability`` lacks
  ``read`` must not appear in a response.  ``x-ms-secret`` is not enforced (oav rejects secrets in responses, but the
  DigitalTwins endpoint examples return them masked as ``***``);
- ``format``: ``date-time``, ``date``, ``uuid``, ``int32``, ``int64``, ``duration``, ``date-time-rfc1123``,
  ``unixtime`` are checked, other formats are not.
"""

import datetime
import json
import re
import urllib.parse
from pathlib import Path

import jsonschema
from referencing import Registry, Resource, Specification

from . import SPEC_FILES

HTTP_METHODS = ('get', 'put', 'post', 'patch', 'delete', 'head')

_DATE_TIME = re.compile(r'^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:?\d\d)?$')
_RFC1123 = re.compile(r'^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?[0-3]\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d(?:\d\d)? '
                      r'(?:[0-2]\d:[0-5]\d(?::[0-5]\d)|23:59:60) (?:[A-Z]{1,3})?(?:[+-]\d\d\d\d)?$')
_DURATION = re.compile(r'^P(\d+(?:[,.]\d+)?Y)?(\d+(?:[,.]\d+)?M)?(\d+(?:[,.]\d+)?W)?(\d+(?:[,.]\d+)?D)?'
                       r'(?:T(\d+(?:[,.]\d+)?H)?(\d+(?:[,.]\d+)?M)?(\d+(?:[,.]\d+)?S)?)?$')
_UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
# Keywords of a swagger schema object that mean the same in JSON Schema draft 7.
_PASS_THROUGH = ('type', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum',
                 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
                 'format')


def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    digits = re.sub(r'(\.\d{6})\d+', r'\1', value.replace(' ', 'T'))       # Python keeps microseconds only
    try:
        datetime.datetime.fromisoformat(digits)
    except ValueError:
        return False
    return True


def _is_date(value):
    if not isinstance(value, str):
        return True
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _int_range(bits):
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        return float(value).is_integer() and low <= value <= high
    return check


def _matches(pattern):
    def check(value):
        return not isinstance(value, str) or bool(pattern.match(value))
    return check


def format_checker():
    checker = jsonschema.FormatChecker(formats=())
    checks = {'date-time': _is_date_time, 'date': _is_date, 'uuid': _matches(_UUID), 'int32': _int_range(32),
              'int64': _int_range(64), 'duration': _matches(_DURATION), 'date-time-rfc1123': _matches(_RFC1123),
              'unixtime': lambda v: isinstance(v, bool) or not isinstance(v, (int, float)) or float(v).is_integer()}
    for name, func in checks.items():
        checker.checks(name)(func)
    return checker


class SpecError(AssertionError):
    """The spec set cannot answer a question (no such operation, status not documented, unresolvable $ref)."""


class Operation:
    """One swagger operation: where it lives, its path template and its responses."""

    def __init__(self, spec, template, method, definition, base_uri, path_params):
        self.spec = spec
        self.template = template.split('?', 1)[0]
        self.method = method.upper()
        self.definition = definition
        self.base_uri = base_uri
        self.operation_id = definition['operationId']
        self.long_running = bool(definition.get('x-ms-long-running-operation'))
        self.regex = _template_regex(self.template, path_params)
        self.literal_weight = len(re.sub(r'\{[^}]+\}', '', self.template))
        self.namespace = spec_namespace(spec_document_paths(spec, base_uri))

    def __repr__(self):
        return f'<Operation {self.operation_id} {self.method} {self.template}>'

    @property
    def statuses(self):
        return [code for code in self.definition['responses'] if code != 'default']

    def response(self, status):
        """(key, response object) documented for an HTTP status: the status itself, else ``default``."""
        responses = self.definition['responses']
        key = str(status) if str(status) in responses else 'default' if 'default' in responses else None
        if key is None:
            raise SpecError(f'{self.operation_id}: status {status} is not documented (documented: {sorted(responses)})')
        response = responses[key]
        if '$ref' in response:
            response = self.spec.resolve(self.base_uri, response['$ref'])[0]
        return key, response

    def is_error_status(self, status):
        key, response = self.response(status)
        return key == 'default' or bool(response.get('x-ms-error-response')) or int(status) >= 400

    def body_parameter(self):
        """Name of the operation's body parameter (``$ref`` parameters resolved), or None."""
        for item in self.definition.get('parameters') or []:
            if '$ref' in item:
                item = self.spec.resolve(self.base_uri, item['$ref'])[0]
            if item.get('in') == 'body':
                return item['name']
        return None

    def examples(self):
        """{title: (path of the example file, parsed example)} of the operation's x-ms-examples."""
        out = {}
        for title, ref in (self.definition.get('x-ms-examples') or {}).items():
            uri = urllib.parse.urljoin(self.base_uri, ref['$ref'])
            path = Path(urllib.parse.urlparse(uri).path)
            out[title] = (path, json.loads(path.read_text(encoding='utf-8')))
        return out


def spec_document_paths(spec, base_uri):
    document = spec.document(base_uri)
    return list(document.get('paths') or {}) + list(document.get('x-ms-paths') or {})


def spec_namespace(templates):
    """The resource provider a spec file is about: the most frequent literal ``providers/<Namespace>`` in its paths."""
    counts = {}
    for template in templates:
        for name in re.findall(r'/providers/(Microsoft\.[A-Za-z]+)', template):
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.get) if counts else None


def _template_regex(template, path_params):
    """Regex of a path template; a parameter that starts the path and skips URL encoding (a scope or an id) spans segments.

    Any other parameter that skips URL encoding (``parentResourcePath``, ``resourceType``) may span segments or be empty:
    the SDKs send an empty ``parentResourcePath`` as an empty segment (``.../providers/Microsoft.DigitalTwins//digitalTwinsInstances/x``).
    """
    parts = re.split(r'(\{[^}]+\})', template)
    out = []
    for index, part in enumerate(parts):
        match = re.fullmatch(r'\{([^}]+)\}', part)
        if not match:
            out.append(re.escape(part))
            continue
        name = match.group(1)
        if path_params.get(name, {}).get('x-ms-skip-url-encoding') and index == 1 and parts[0] == '/':
            out[0] = ''                               # '/{scope}/providers/...': the scope may also be the root ('/providers/...')
            out.append(f'(?:/(?P<{_group(name)}>.+?))?')
        elif path_params.get(name, {}).get('x-ms-skip-url-encoding'):
            out.append(f'(?P<{_group(name)}>.*?)')
        else:
            out.append(f'(?P<{_group(name)}>[^/]+)')
    return re.compile('^' + ''.join(out) + '/?$', re.IGNORECASE)


def _group(name):
    return re.sub(r'\W', '_', name)


class SpecSet:
    """The vendored spec files under ``root`` and the schemas derived from them."""

    def __init__(self, root, files=SPEC_FILES):
        self.root = Path(root).resolve()
        self._files = {}
        self.registry = Registry(retrieve=self._retrieve)
        self.documents = {}
        self.operations = []
        for relative in files:
            uri = self.uri_of(self.root / relative)
            document = self.document(uri)
            self._collect_operations(uri, document)
        self.converter = SchemaConverter(self)

    # ---- loading and $ref resolution -------------------------------------------------------------------------------
    @staticmethod
    def uri_of(path):
        return Path(path).resolve().as_uri()

    def _retrieve(self, uri):
        path = Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path)).resolve()
        if self.root not in path.parents:
            raise SpecError(f'$ref leaves the spec directory: {uri}')
        if path not in self._files:            # the Registry is immutable: cache here so every lookup sees the same objects
            self._files[path] = json.loads(path.read_text(encoding='utf-8'))
        return Resource(contents=self._files[path], specification=Specification.OPAQUE)

    def document(self, uri):
        uri = urllib.parse.urldefrag(uri).url
        if uri not in self.documents:
            self.documents[uri] = self.registry.resolver().lookup(uri).contents
        return self.documents[uri]

    def resolve(self, base_uri, ref):
        """(contents, absolute uri) of ``ref`` relative to ``base_uri``."""
        absolute = urllib.parse.urljoin(base_uri, ref)
        self.document(absolute)
        try:
            resolved = self.registry.resolver(base_uri=base_uri).lookup(ref)
        except Exception as exc:           # referencing raises several Unresolvable subclasses
            raise SpecError(f'cannot resolve {ref!r} from {base_uri}: {exc}') from exc
        return resolved.contents, absolute

    def _parameters(self, uri, items):
        out = {}
        for item in items or []:
            if '$ref' in item:
                item = self.resolve(uri, item['$ref'])[0]
            if item.get('in') == 'path':
                out[item['name']] = item
        return out

    def _collect_operations(self, uri, document):
        for section in ('paths', 'x-ms-paths'):
            for template, item in (document.get(section) or {}).items():
                shared = self._parameters(uri, item.get('parameters'))
                for method in HTTP_METHODS:
                    if method in item:
                        params = dict(shared, **self._parameters(uri, item[method].get('parameters')))
                        self.operations.append(Operation(self, template, method, item[method], uri, params))

    # ---- questions -------------------------------------------------------------------------------------------------
    def operation(self, operation_id):
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise SpecError(f'no operation {operation_id}')

    def find(self, method, path):
        """The most specific operation whose template matches ``path`` (no query string), or None."""
        path = urllib.parse.unquote(path.split('?', 1)[0])
        candidates = [op for op in self.operations if op.method == method.upper() and op.regex.match(path)
                      and (op.namespace is None or f'/providers/{op.namespace}/'.lower() in path.lower() + '/')]
        if not candidates:
            return None
        return max(candidates, key=lambda op: op.literal_weight)

    def response_schema(self, operation, status):
        """JSON Schema (draft 7, self-contained) of the body of ``status``, or None when the spec documents no body."""
        _key, response = operation.response(status)
        if 'schema' not in response:
            return None
        return self.converter.root(response['schema'], operation.base_uri)

    def definition_schema(self, relative_file, name):
        uri = self.uri_of(self.root / relative_file)
        return self.converter.root({'$ref': f'#/definitions/{name}'}, uri)

    def validate(self, schema, body):
        """Messages of every way ``body`` breaks ``schema`` (empty when it conforms)."""
        validator = jsonschema.Draft7Validator(schema, format_checker=format_checker())
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        return [_describe(error) for error in errors]

    def validate_response(self, operation, status, body):
        schema = self.response_schema(operation, status)
        if schema is None:
            return [] if body in (None, b'', '') else [f'{operation.operation_id} {status}: the spec documents no body, got {body!r:.200}']
        return self.validate(schema, body)


def _describe(error):
    """One line per failure, naming the JSON path; an anyOf of a nullable schema is unfolded to the non-null branch."""
    leaf = error
    while leaf.context:
        causes = leaf.context
        if leaf.validator == 'anyOf' and leaf.validator_value[0] == {'type': 'null'}:
            causes = [e for e in causes if e.relative_schema_path and e.relative_schema_path[0] != 0]
        if not causes:
            break
        leaf = max(causes, key=lambda e: len(e.absolute_path))
    where = '$' + ''.join(f'[{p!r}]' if isinstance(p, str) else f'[{p}]' for p in leaf.absolute_path)
    return f'{where}: {leaf.message}'


class SchemaConverter:
    """Swagger 2.0 schema objects -> JSON Schema draft 7 definitions (see the module docstring for the rules)."""

    def __init__(self, specs):
        self.specs = specs
        self.definitions = {}       # key -> converted schema
        self.keys = {}              # absolute uri of a swagger schema -> key

    def root(self, schema, base_uri):
        converted = self.convert(schema, base_uri, nullable_default=False)
        return dict(converted, definitions=self.definitions) if '$ref' not in converted else \
            {'allOf': [converted], 'definitions': self.definitions}

    # ---- references --------------------------------------------------------------------------------------------
    def _key_for(self, uri):
        if uri in self.keys:
            return self.keys[uri]
        path, fragment = urllib.parse.urldefrag(uri)
        stem = Path(urllib.parse.urlparse(path).path).stem
        base = re.sub(r'[^A-Za-z0-9._-]', '_', f"{stem}.{fragment.rsplit('/', 1)[-1]}")
        key, counter = base, 1
        while key in self.definitions:
            counter += 1
            key = f'{base}.{counter}'
        self.keys[uri] = key
        return key

    def reference(self, ref, base_uri):
        """``{"$ref": "#/definitions/<key>"}`` for a swagger $ref, converting the target on first use."""
        target, uri = self.specs.resolve(base_uri, ref)
        known = uri in self.keys
        key = self._key_for(uri)
        if not known:
            self.definitions[key] = {}           # placeholder: recursive schemas refer to themselves
            self.definitions[key] = self.inline(target, uri)
        return {'$ref': f'#/definitions/{key}'}, target

    # ---- schemas -----------------------------------------------------------------------------------------------
    def convert(self, schema, base_uri, nullable_default):
        """A schema at a use site; ``nullable_default`` is oav's default when the schema says nothing about x-nullable."""
        if '$ref' in schema:
            converted, target = self.reference(schema['$ref'], base_uri)
            nullable = schema.get('x-nullable', target.get('x-nullable'))
        else:
            converted = self.inline(schema, base_uri)
            nullable = schema.get('x-nullable')
        if nullable is None:
            nullable = nullable_default
        if nullable:
            return {'anyOf': [{'type': 'null'}, converted]}
        return converted

    def inline(self, schema, base_uri):
        out = {key: schema[key] for key in _PASS_THROUGH if key in schema}
        if out.get('type') == 'file':
            return {}
        enum_info = schema.get('x-ms-enum') or {}
        if 'enum' in out and enum_info.get('modelAsString'):
            del out['enum']
        if 'items' in schema:
            out['items'] = self.convert(schema['items'], base_uri, nullable_default=True)
        properties, required, additional = self._flatten(schema, base_uri)
        is_base = bool(schema.get('discriminator'))
        if properties:
            out['properties'] = {name: self._property(prop, prop_uri, name in required) for name, (prop, prop_uri) in properties.items()}
        if required:
            out['required'] = sorted(required)
        if isinstance(additional, tuple):
            out['additionalProperties'] = self.convert(additional[0], additional[1], nullable_default=True)
        elif additional is not None:
            out['additionalProperties'] = additional
        elif properties and not is_base:
            out['additionalProperties'] = False      # oav: closed unless a discriminator base
        if out.get('type') == 'object' and not properties and additional is None:
            del out['type']                          # oav: an object without properties accepts anything
        if is_base:
            return self._dispatch(out, schema)
        return out

    def _property(self, prop, base_uri, required):
        mutability = prop.get('x-ms-mutability')
        if mutability is not None and 'read' not in mutability:
            return {'type': 'null'}                  # never returned by the service
        return self.convert(prop, base_uri, nullable_default=not required)

    def _flatten(self, schema, base_uri, seen=None):
        """Own and inherited (allOf) properties as {name: (schema, base uri)}, the required names, and the schema's own
        additionalProperties (a (schema, base uri) tuple, a bool or None; oav does not inherit it from parents)."""
        seen = set() if seen is None else seen
        properties = {name: (prop, base_uri) for name, prop in (schema.get('properties') or {}).items()}
        required = set(schema.get('required') or [])
        additional = schema.get('additionalProperties')
        if isinstance(additional, dict):
            additional = (additional, base_uri)
        for part in schema.get('allOf') or []:
            if '$ref' in part:
                target, uri = self.specs.resolve(base_uri, part['$ref'])
            else:
                target, uri = part, base_uri
            if id(target) in seen:
                continue
            seen.add(id(target))
            parent_props, parent_required, _parent_additional = self._flatten(target, uri, seen)
            for name, value in parent_props.items():
                properties.setdefault(name, value)
            required |= parent_required
        return properties, required, additional

    # ---- polymorphism ------------------------------------------------------------------------------------------
    def _all_definitions(self):
        for uri, document in list(self.specs.documents.items()):
            for name, definition in (document.get('definitions') or {}).items():
                yield f'{uri}#/definitions/{name}', name, definition

    def _dispatch(self, own, schema):
        """A discriminator base: the subtype named by the discriminator value, else the base itself (left open)."""
        field = schema['discriminator']
        base_uri = next((uri for uri, _name, definition in self._all_definitions() if definition is schema), None)
        chain = own
        if base_uri is None:
            return chain
        for uri, name, definition in self._all_definitions():
            for part in definition.get('allOf') or []:
                if '$ref' in part and self.specs.resolve(uri.split('#', 1)[0], part['$ref'])[1] == base_uri:
                    value = definition.get('x-ms-discriminator-value', name)
                    sub_ref = self.reference(uri, uri)[0]
                    chain = {'if': {'properties': {field: {'const': value}}, 'required': [field]}, 'then': sub_ref, 'else': chain}
        return chain


def load(root):
    return SpecSet(root)
