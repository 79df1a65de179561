"""ARM's limits on tags, shared by every resource type that carries them (resource groups, Digital Twins instances).

50 tags per resource; a name of at most 512 characters without `<>%&\\?/` or control characters; a value of at most
256 characters. The codes follow ARM's generic tag validation (`InvalidTagNameOrValue`, `InvalidTagNameCharacters`);
the exact wording of the live messages was not recorded.
"""

from .arm_errors import bad_request

MAX_TAGS = 50
MAX_NAME = 512
MAX_VALUE = 256
FORBIDDEN = '<>%&\\?/'


def validate_tags(tags):
    """The tags as a dict (None for no tags given); raises 400 when they break ARM's limits."""
    if tags is None:
        return None
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise bad_request('InvalidRequestContent', "The request content was invalid and could not be deserialized: 'tags must be an object of strings'.")
    if len(tags) > MAX_TAGS:
        raise bad_request('InvalidTagNameOrValue', f'The resource has {len(tags)} tags; at most {MAX_TAGS} tags are allowed per resource.')
    for name, value in tags.items():
        if any(ch in FORBIDDEN or ord(ch) < 32 for ch in name):
            raise bad_request('InvalidTagNameCharacters',
                              f"The tag names '{name}' have reserved characters '<,>,%,&,\\,?,/' or control characters.")
        if not name.strip() or len(name) > MAX_NAME:
            raise bad_request('InvalidTagNameOrValue', f"The tag name '{name[:40]}' is empty or longer than {MAX_NAME} characters.")
        if len(value) > MAX_VALUE:
            raise bad_request('InvalidTagNameOrValue', f"The value of tag '{name[:40]}' is longer than {MAX_VALUE} characters.")
    return dict(tags)
