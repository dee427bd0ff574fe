"""Short confirmations shown after a change ("Saved."), named by code in the address so that no
text from outside ever reaches the page."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from hubd.web.i18n import N_

NOTICES = {
    "saved": N_("Saved."),
    "added": N_("Added."),
    "archived": N_("The group is archived. Its learners and their progress are kept."),
    "restored": N_("The group is back in use."),
    "moved": N_("The learners have moved."),
    "assigned": N_("Assigned. The group's learners see it first on their home page."),
    "unassigned": N_("The assignment is removed."),
    "deactivated": N_("The learner is deactivated. Their progress is kept."),
    "activated": N_("The learner can sign in again."),
    "unlocked": N_("The learner can try to sign in again."),
    "new_card": N_("New sign-in secrets are made. Print the new card."),
    "password": N_("The password is changed."),
    "imported": N_("The learners are saved. Print their login cards now."),
    "staff_added": N_("The teacher can sign in now."),
    "merged": N_("The two records are one now. The other record is deactivated."),
    "time_set": N_("The hub's clock is set. Lessons from now on count on the right day."),
}


def redirect(path: str, notice: str) -> web.HTTPSeeOther:
    """Back to a page after a change, with a confirmation."""
    assert notice in NOTICES
    return web.HTTPSeeOther(URL(path).with_query(done=notice))


def notice_for(request: web.Request) -> str | None:
    """The confirmation named in this page's address, if any (as a message id)."""
    return NOTICES.get(request.query.get("done", ""))
