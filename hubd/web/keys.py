"""Every piece of shared application state, under one typed key each."""

from __future__ import annotations

import jinja2
from aiohttp import web

from hubd.auth.throttle import AttemptLimiter
from hubd.bundle import HubIdentity as HubKeys
from hubd.config import Config
from hubd.content.blobs import BlobStore
from hubd.deps import Deps
from hubd.discovery.service import HubDiscovery
from hubd.storage.identity import HubIdentity
from hubd.storage.store import Store
from hubd.sync.hlc import HybridClock
from hubd.sync_session.online_service import OnlineSync
from hubd.timekeeping import HubWall
from hubd.usb.monitor import StickWatcher
from hubd.usb.service import StickService
from hubd.usb.status import StickBoard
from hubd.web.admin.secret_hasher import SecretHasher
from hubd.web.catalogue_cache import CatalogueCache
from hubd.web.i18n import Catalogues
from hubd.web.session_cache import SessionCache
from hubd.web.static_files import StaticFiles

CONFIG = web.AppKey("config", Config)
DEPS = web.AppKey("deps", Deps)
STORE = web.AppKey("store", Store)
BLOBS = web.AppKey("blobs", BlobStore)
CLOCK = web.AppKey("clock", HybridClock)
#: The wall clock behind deps.wall_ms: the system clock, corrected forward (hubd/timekeeping).
WALL = web.AppKey("wall", HubWall)
IDENTITY = web.AppKey("identity", HubIdentity)
HUB_KEYS = web.AppKey("hub_keys", HubKeys)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
# The same templates compiled per interface language, made on first use (hubd/web/render.py).
TEMPLATES_BY_LANGUAGE = web.AppKey("templates_by_language", dict[str, jinja2.Environment])
STARTED_AT = web.AppKey("started_at", float)
SESSIONS = web.AppKey("sessions", SessionCache)
CATALOGUES = web.AppKey("catalogues", Catalogues)
STATIC = web.AppKey("static_files", StaticFiles)
CATALOGUE_CACHE = web.AppKey("catalogue_cache", CatalogueCache)
# Pages everyone sees alike, as rendered: (template, language, key) -> HTML (render_kept).
RENDERED = web.AppKey("rendered", dict[tuple[str, str, object], str])
# The names under which browsers reach the hub itself (hubd/web/captive.py).
HUB_HOST_NAMES = web.AppKey("hub_host_names", frozenset[str])
SIGNIN_LIMITER = web.AppKey("signin_limiter", AttemptLimiter)
STAFF_LIMITER = web.AppKey("staff_limiter", AttemptLimiter)
SECRET_HASHER = web.AppKey("secret_hasher", SecretHasher)
# Only while discovery is on (`discovery.enabled`): read it with app.get(DISCOVERY).
DISCOVERY = web.AppKey("discovery", HubDiscovery)
STICKS = web.AppKey("sticks", StickBoard)
STICK_SERVICE = web.AppKey("stick_service", StickService)
STICK_WATCHER = web.AppKey("stick_watcher", StickWatcher)
# Only while online sync is on (`online.central_url`): read it with app.get(ONLINE_SYNC).
ONLINE_SYNC = web.AppKey("online_sync", OnlineSync)
