"""A long story is read in parts of PAGE_SIZE events, the latest part first.

Readers of a developing story come for its newest events, so the story's
address shows the latest PAGE_SIZE, `?page=2` the ones before those, and so
on; within a part, events run newest first while the story develops and
oldest first once it is concluded (`?order=` chooses the other). Each
part costs the same to build however long the story grows. A story of at
most PAGE_SIZE events is one page, as it always was.
"""

import re
from dataclasses import dataclass, replace

from django.http import Http404
from django.utils.http import urlencode

PAGE_SIZE = 50

# One address per part: the first is the story's own address, so `?page=1`,
# `?page=02` and the like name no part (and are never cached as copies).
PART_NUMBER = re.compile(r"[2-9]|[1-9][0-9]{1,8}")


def requested(value):
    """The part `?page=` asks for (1 without one); Http404 for anything but another part's number."""
    if value is None:
        return 1
    if not PART_NUMBER.fullmatch(value):
        raise Http404("No such part of the story.")
    return int(value)


ORDERS = ("newest", "oldest")


def reading_order(value, is_developing):
    """The order a part's events are shown in: newest first while the story
    develops, oldest first once it is concluded, or the other one `?order=`
    asks for; Http404 for anything else, so no other value makes a copy."""
    if value is None:
        return "newest" if is_developing else "oldest"
    if value not in ORDERS:
        raise Http404("No such order of the story.")
    return value


def holding(later):
    """The part holding an event that `later` events follow."""
    return later // PAGE_SIZE + 1


def address(story_url, number, carried=""):
    """Part `number`'s address: the first is the story's own; `carried` is more query string."""
    query = "&".join(filter(None, [urlencode({"page": number}) if number > 1 else "", carried]))
    return f"{story_url}?{query}" if query else story_url


@dataclass(frozen=True)
class Part:
    """One part of a story told in several, and the addresses of its neighbours."""

    story_url: str
    number: int
    total: int  # the story's published events
    carried: str = ""  # a query string the links to the neighbours keep (`since=…`)

    @property
    def count(self):
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def last(self):
        """Where this part's last event stands in the whole story (from 1, oldest first)."""
        return self.total - (self.number - 1) * PAGE_SIZE

    @property
    def first(self):
        return max(1, self.last - PAGE_SIZE + 1)

    @property
    def canonical_url(self):
        return address(self.story_url, self.number)

    @property
    def earlier_url(self):
        return address(self.story_url, self.number + 1, self.carried) if self.number < self.count else None

    @property
    def later_url(self):
        return address(self.story_url, self.number - 1, self.carried) if self.number > 1 else None

    def carrying(self, **params):
        """This part with links to its neighbours that keep `params` (those that are not None)."""
        return replace(self, carried=urlencode({k: v for k, v in params.items() if v is not None}))

    def link(self, event, number):
        """An event on part `number`, linked from this part."""
        anchor = f"#{event.anchor}"
        return anchor if number == self.number else address(self.story_url, number) + anchor
