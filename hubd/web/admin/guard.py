"""Who may see the admin pages: every path under /admin needs a staff session, except the
login page. This is a middleware, so a page added later cannot forget to check."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from hubd.errors import Forbidden, Unauthorized
from hubd.storage import staff
from hubd.sync.hlc import unpack
from hubd.web import keys
from hubd.web.errors import Handler
from hubd.web.sessions import STAFF_COOKIE

ADMIN_PREFIX = "/admin"
LOGIN_PATH = "/admin/login"
PUBLIC_PATHS = frozenset({LOGIN_PATH})
STAFF_KEY = web.RequestKey("staff", staff.StaffMember)
HOUR_MS = 3_600_000


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


async def staff_session(request: web.Request) -> staff.StaffSession | None:
    """The staff session behind this request's cookie, if open and not expired."""
    token = request.cookies.get(STAFF_COOKIE, "")
    if not token:
        return None
    async with request.app[keys.STORE].reader() as db:
        session = await staff.find_session(db, token)
    if session is None:
        return None
    app = request.app
    now = app[keys.CLOCK].now(app[keys.DEPS].wall_ms())
    created_ms = unpack(session.created_hlc)[0]
    # A clock set forward since sign-in (hubd/timekeeping) is not time the session lived.
    age_ms = unpack(now)[0] - created_ms - app[keys.WALL].moved_since(created_ms)
    if age_ms > app[keys.CONFIG].admin.session_hours * HOUR_MS:
        return None
    return session


@web.middleware
async def staff_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse anonymous and learner requests to /admin; remember who the staff member is."""
    if not is_admin_path(request.path) or request.path in PUBLIC_PATHS:
        return await handler(request)
    session = await staff_session(request)
    if session is None:
        if request.method in ("GET", "HEAD"):
            raise web.HTTPSeeOther(URL(LOGIN_PATH).with_query(next=request.path_qs))
        raise Unauthorized("Please sign in first.")
    request[STAFF_KEY] = session.member
    response = await handler(request)
    # Pages with learners' names and PINs must not stay in a shared phone's cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def current_staff(request: web.Request) -> staff.StaffMember:
    """The signed-in staff member (the middleware has checked)."""
    return request[STAFF_KEY]


def require_admin(request: web.Request) -> staff.StaffMember:
    """The signed-in hub administrator, or Forbidden."""
    member = current_staff(request)
    if not member.is_admin:
        raise Forbidden("Only the hub administrator can do that.")
    return member
