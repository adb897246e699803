"""What the portal showed each profile at its last complete reading, for the next check to
compare with (flows/completeness.py): whether the home page had counters, whether the list had a
pager and how many rows a full page held, and which letters (by date and kind) it listed.

Counters that disappear, or letters that vanish from the list, then fail the check
(``page_not_recognised``) instead of passing quietly. The memory is only ever written from a
reading proven complete. When the portal really changed (it dropped its counters, it removed a
letter), the person confirms it by running ``setup`` again for the profile: a memory older than
the credentials that setup stores is not used, and the next complete reading starts it afresh.

It lives in the state file, in its own table (``portal_shapes``, created by state.py's schema),
so it goes with the profile when ``forget`` removes it, and is read and written through the
state store's own connection and transactions (one owner for the file).
"""

from __future__ import annotations

import json
from datetime import datetime

from assistant.state import Profile, StateStore
from flows.completeness import PortalShape


class PortalMemory:
    def __init__(self, state: StateStore, profile: Profile) -> None:
        self.state = state
        self.profile = profile

    def last_seen(self) -> PortalShape | None:
        """What the last complete reading showed; None before the first one, or when setup
        stored the credentials since (the person's confirmation that the portal changed)."""
        row = self.state.portal_shape(self.profile.name)
        if row is None:
            return None
        seen_at = datetime.fromisoformat(row["seen_at"])
        updated = self.profile.credentials_updated_at
        if updated is not None and seen_at < updated:
            return None
        letters = json.loads(row["letters"])
        return PortalShape(
            counters_shown=bool(row["counters_shown"]),
            pager_shown=bool(row["pager_shown"]),
            page_size=row["page_size"],
            letters=tuple(str(key) for key in letters),
        )

    def remember(self, shape: PortalShape | None, seen_at: datetime) -> None:
        """Keep what a complete reading showed (None: nothing to keep)."""
        if shape is None:
            return
        self.state.save_portal_shape(
            self.profile.name,
            counters_shown=shape.counters_shown,
            pager_shown=shape.pager_shown,
            page_size=shape.page_size,
            letters=json.dumps(list(shape.letters)),
            seen_at=seen_at,
        )
