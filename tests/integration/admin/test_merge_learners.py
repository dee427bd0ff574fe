"""A teacher merges two records of the same child through the admin pages."""

from __future__ import annotations

import json
import uuid

from hubd.storage import progress
from hubd.sync.events import NewEvent
from hubd.web import keys
from tests.integration.admin.staffroom import HubClient, make_group, post_form, set_up_hub


async def add_learner(client: HubClient, name: str, group: str) -> str:
    status, path, body = await post_form(client, "/admin/learners", {"name": name, "group": group})
    assert status == 200 and path.startswith("/admin/learners/"), body[:500]
    return path.rsplit("/", 1)[1]


async def spend_time(client: HubClient, learner_id: str, lesson: str, seconds: int) -> None:
    app = client.app
    payload = json.dumps({"seconds": seconds})
    event = NewEvent(str(uuid.uuid4()), learner_id, "time_spent", "c1", lesson, payload)
    await app[keys.STORE].write(
        progress.append_events([event], app[keys.IDENTITY], app[keys.CLOCK], 1_780_000_000_000)
    )


async def rows(client: HubClient, sql: str, *args: object) -> list[tuple[object, ...]]:
    async with client.app[keys.STORE].reader() as db:
        return [tuple(r) for r in await (await db.execute(sql, args)).fetchall()]


async def test_teacher_merges_two_records_of_one_child(client: HubClient) -> None:
    await set_up_hub(client)
    group_a = await make_group(client, "4B")
    group_b = await make_group(client, "5A")
    kept = await add_learner(client, "Amina Diallo", group_a)
    other = await add_learner(client, "Amina D.", group_b)
    await add_learner(client, "Carlos", group_a)
    await spend_time(client, kept, "l1", 30)
    await spend_time(client, other, "l2", 45)

    # The learner's page leads to the merge page, which guesses records with the same name.
    page = await (await client.get(f"/admin/learners/{kept}")).text()
    assert f"/admin/learners/{kept}/merge" in page
    choose = await (await client.get(f"/admin/learners/{kept}/merge")).text()
    assert "Amina D." in choose and "Carlos" not in choose
    found = await (await client.get(f"/admin/learners/{kept}/merge?q=carl")).text()
    assert "Carlos" in found and "Amina D." not in found

    # Side by side: both names and groups, and what will happen.
    compare = await (await client.get(f"/admin/learners/{kept}/merge?other={other}")).text()
    for text in ("Amina Diallo", "Amina D.", "4B", "5A", "What will happen", "deactivated"):
        assert text in compare, text

    # A post without the form's token changes nothing.
    forged = await client.post(f"/admin/learners/{kept}/merge", data={"other": other, "keep": kept})
    assert forged.status == 403
    assert await rows(client, "SELECT merged_into FROM learners WHERE learner_id = ?", other) == [
        (None,)
    ]
    # A record to keep that is neither of the two is refused with a plain message.
    status, _, body = await post_form(
        client,
        f"/admin/learners/{kept}/merge",
        {"other": other, "keep": "someone-else"},
        page=f"/admin/learners/{kept}/merge?other={other}",
    )
    assert status == 400 and "Choose the record to keep." in body

    status, path, body = await post_form(
        client,
        f"/admin/learners/{kept}/merge",
        {"other": other, "keep": kept},
        page=f"/admin/learners/{kept}/merge?other={other}",
    )
    assert (status, path) == (200, f"/admin/learners/{kept}")
    assert "The two records are one now." in body

    # One record in the lists; its progress holds both records' time.
    listing = await (await client.get("/admin/learners")).text()
    assert "Amina Diallo" in listing and "Amina D.<" not in listing
    assert await rows(
        client,
        "SELECT lesson_id, seconds_spent FROM lesson_progress WHERE learner_id = ?"
        " ORDER BY lesson_id",
        kept,
    ) == [("l1", 30), ("l2", 45)]
    assert await rows(
        client, "SELECT merged_into, active FROM learners WHERE learner_id = ?", other
    ) == [(kept, 0)]
    # The merge is a register change under the hub's sequence, so it travels.
    changes = await rows(
        client,
        "SELECT register_key, value FROM register_changes WHERE register_key LIKE ? ORDER BY seq",
        f"learner/{other}/%",
    )
    assert (f"learner/{other}/merged_into", json.dumps(kept)) in changes
    assert (f"learner/{other}/active", "false") in changes

    # The merged record cannot be merged again.
    again = await client.get(f"/admin/learners/{other}/merge")
    assert again.status == 400
    assert "already merged" in await again.text()
