"""ARM's timestamp format."""

import datetime
import time


def now_iso(epoch=None):
    """ARM's timestamp format: seven fractional digits and a Z."""
    value = datetime.datetime.fromtimestamp(time.time() if epoch is None else epoch, datetime.timezone.utc)
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f') + '0Z'
