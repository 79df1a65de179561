"""A small parser and evaluator for the OData $filter subset that Microsoft Graph clients send (no eval)."""

import re

from .arm_errors import graph_error

TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<punct>[(),:])|(?P<word>[A-Za-z_][A-Za-z0-9_./@-]*)|(?P<number>-?\d+(?:\.\d+)?))")
COMPARISONS = ('eq', 'ne')
KEYWORDS = {'and', 'or', 'not', 'eq', 'ne', 'in'}


def _bad(message):
    return graph_error(400, 'Request_BadRequest', message)


def tokenize(text):
    tokens = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise _bad(f"Invalid filter clause: syntax error at position {pos} in '{text}'.")
        pos = match.end()
        if match.group('string') is not None:
            tokens.append(('str', match.group('string')[1:-1].replace("''", "'")))
        elif match.group('punct') is not None:
            tokens.append(('punct', match.group('punct')))
        elif match.group('word') is not None:
            tokens.append(('word', match.group('word')))
        else:
            tokens.append(('num', match.group('number')))
    return tokens


class Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else (None, None)

    def take(self, kind=None, value=None):
        token = self.peek()
        if token[0] is None or (kind and token[0] != kind) or (value and str(token[1]).lower() != value):
            raise _bad(f"Invalid filter clause: expected {value or kind} in '{self.text}'.")
        self.pos += 1
        return token

    def keyword(self, word):
        token = self.peek()
        return token[0] == 'word' and token[1].lower() == word

    def parse(self):
        node = self.expr()
        if self.peek()[0] is not None:
            raise _bad(f"Invalid filter clause: unexpected '{self.peek()[1]}' in '{self.text}'.")
        return node

    def expr(self):
        items = [self.conjunction()]
        while self.keyword('or'):
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else ('or', items)

    def conjunction(self):
        items = [self.unary()]
        while self.keyword('and'):
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else ('and', items)

    def unary(self):
        if self.keyword('not'):
            self.take()
            return ('not', self.unary())
        return self.primary()

    def literal(self):
        kind, value = self.take()
        if kind == 'str':
            return value
        if kind == 'num':
            return float(value) if '.' in value else int(value)
        if kind == 'word' and value.lower() in ('true', 'false', 'null'):
            return {'true': True, 'false': False, 'null': None}[value.lower()]
        raise _bad(f"Invalid filter clause: expected a literal, found '{value}' in '{self.text}'.")

    def primary(self):
        kind, value = self.peek()
        if kind == 'punct' and value == '(':
            self.take()
            node = self.expr()
            self.take('punct', ')')
            return node
        if kind != 'word' or value.lower() in KEYWORDS:
            raise _bad(f"Invalid filter clause: unexpected '{value}' in '{self.text}'.")
        self.take()
        if value.lower() == 'startswith':
            self.take('punct', '(')
            prop = self.take('word')[1]
            self.take('punct', ',')
            prefix = self.literal()
            self.take('punct', ')')
            return ('startswith', prop, prefix)
        if value.lower().endswith('/any'):
            return self.lambda_any(value[:-4])
        operator = self.take('word')[1].lower()
        if operator in COMPARISONS:
            return ('cmp', operator, value, self.literal())
        if operator == 'in':
            self.take('punct', '(')
            values = [self.literal()]
            while self.peek() == ('punct', ','):
                self.take()
                values.append(self.literal())
            self.take('punct', ')')
            return ('in', value, values)
        raise _bad(f"Invalid filter clause: unsupported operator '{operator}' in '{self.text}'.")

    def lambda_any(self, prop):
        self.take('punct', '(')
        var = self.take('word')[1]
        self.take('punct', ':')
        if self.keyword('startswith'):
            self.take()
            self.take('punct', '(')
            self.take('word', var.lower())
            self.take('punct', ',')
            value = self.literal()
            self.take('punct', ')')
            self.take('punct', ')')
            return ('any', prop, 'startswith', value)
        self.take('word', var.lower())
        operator = self.take('word')[1].lower()
        if operator != 'eq':
            raise _bad(f"Invalid filter clause: unsupported operator '{operator}' inside any() in '{self.text}'.")
        value = self.literal()
        self.take('punct', ')')
        return ('any', prop, 'eq', value)


def parse(text):
    return Parser(text).parse()


def properties_used(node):
    kind = node[0]
    if kind in ('or', 'and'):
        return [p for child in node[1] for p in properties_used(child)]
    if kind == 'not':
        return properties_used(node[1])
    if kind == 'cmp':
        return [node[2]]
    return [node[1]]


def _same(left, right):
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    return left == right


def _lookup(obj, prop):
    for key, value in obj.items():
        if key.lower() == prop.lower() and not key.startswith('_'):
            return value
    return None


def matches(node, obj):
    kind = node[0]
    if kind == 'or':
        return any(matches(child, obj) for child in node[1])
    if kind == 'and':
        return all(matches(child, obj) for child in node[1])
    if kind == 'not':
        return not matches(node[1], obj)
    if kind == 'cmp':
        same = _same(_lookup(obj, node[2]), node[3])
        return same if node[1] == 'eq' else not same
    if kind == 'in':
        value = _lookup(obj, node[1])
        return any(_same(value, candidate) for candidate in node[2])
    if kind == 'startswith':
        value = _lookup(obj, node[1])
        return isinstance(value, str) and value.lower().startswith(str(node[2]).lower())
    values = _lookup(obj, node[1]) or []
    if node[2] == 'startswith':
        return any(isinstance(v, str) and v.lower().startswith(str(node[3]).lower()) for v in values)
    return any(_same(v, node[3]) for v in values)
