"""Every link on the hub's pages leads somewhere: a guest, a signed-in learner and a teacher
follow every link, stylesheet, script and image of every page they can reach (the sample
courses installed), and none answers with an error."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient

from hubd.content.install import install_folder
from hubd.resources import samples_dir
from hubd.web import keys
from tests.integration.admin.staffroom import make_group, post_form, set_up_hub
from tests.integration.web.test_progress_api import sign_in_learner

Client = TestClient[web.Request, web.Application]
# Links a person or the browser follows by itself (form actions are posted, not followed).
LINK = re.compile(r'<(?:a|link|script|img|source|track|iframe)\b[^>]*?\s(?:href|src)="([^"#]+)"')


async def reachable(client: Client, start: str, cookie: dict[str, str]) -> tuple[int, list[str]]:
    """Pages and files reachable from ``start``; the ones that answered with an error."""
    seen: set[str] = set()
    queue, broken = [start], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = await client.get(url, headers=cookie)
        body = await response.read()
        if response.status >= 400:
            broken.append(f"{url}: {response.status}")
            continue
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        for link in LINK.findall(body.decode("utf-8", "replace")):
            target = urlsplit(urljoin(url, html.unescape(link)))
            if target.netloc and target.netloc != urlsplit(str(client.make_url("/"))).netloc:
                continue  # never the case on the hub; kept out all the same
            if target.scheme in ("data", "mailto") or "download=" in target.query:
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return len(seen), broken


async def test_no_page_links_to_a_missing_page(client: Client) -> None:
    app = client.app
    for folder in sorted(p for p in samples_dir().iterdir() if (p / "course.json").exists()):
        await install_folder(
            app[keys.STORE], app[keys.BLOBS], app[keys.CLOCK], app[keys.DEPS].wall_ms(), folder
        )
    pages, broken = await reachable(client, "/", {})
    assert pages > 100 and broken == [], broken

    await set_up_hub(client)
    group = await make_group(client, "Clase 4B")
    await post_form(
        client, "/admin/learners", {"name": "Nour", "group": group}, page="/admin/learners"
    )
    pages, broken = await reachable(client, "/admin", {})
    assert pages > 50 and broken == [], broken

    _, learner = await sign_in_learner(client)
    client.session.cookie_jar.clear()
    pages, broken = await reachable(client, "/", learner)
    assert pages > 100 and broken == [], broken
