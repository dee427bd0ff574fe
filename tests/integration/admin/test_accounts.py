"""Staff accounts: first-run setup, signing in and out, throttling, lockout, password resets."""

from __future__ import annotations

from hubd.storage import staff
from hubd.web import keys
from hubd.web.sessions import STAFF_COOKIE
from tests.integration.admin.staffroom import (
    ADMIN_PASSWORD,
    HubClient,
    csrf_from,
    post_form,
    set_up_hub,
    sign_in,
)


async def test_first_visit_goes_to_setup_and_setup_happens_once(client: HubClient) -> None:
    page = await client.get("/admin/login")
    assert page.url.path == "/setup"
    await set_up_hub(client)
    home = await client.get("/admin")
    assert home.status == 200
    assert "Directora Ana" in await home.text()
    # Setup is closed now: the page sends people to sign in, and a post changes nothing.
    again = await client.get("/setup")
    assert again.url.path == "/admin/login"
    status, path, _ = await post_form(
        client,
        "/setup",
        {
            "display_name": "Intruder",
            "username": "intruder",
            "password": "x" * 10,
            "password2": "x" * 10,
        },
        page="/admin/login",
    )
    assert path == "/admin/login"
    status, path, _body = await sign_in(client, "intruder", "x" * 10)
    assert status == 401


async def test_setup_refuses_a_short_or_mistyped_password(client: HubClient) -> None:
    status, _, body = await post_form(
        client,
        "/setup",
        {"display_name": "Ana", "username": "ana", "password": "short", "password2": "short"},
    )
    assert status == 400
    assert "at least 8 characters" in body
    status, _, body = await post_form(
        client,
        "/setup",
        {
            "display_name": "Ana",
            "username": "ana",
            "password": "long enough 1",
            "password2": "long enough 2",
        },
    )
    assert status == 400 and "not the same" in body
    assert (await client.get("/admin/login")).url.path == "/setup"


async def test_login_makes_a_new_session_every_time(client: HubClient) -> None:
    admin = await set_up_hub(client)
    first = client.session.cookie_jar.filter_cookies(client.make_url("/admin"))[STAFF_COOKIE].value
    _status, path, _ = await sign_in(client, admin.username, admin.password)
    assert path == "/admin"
    second = client.session.cookie_jar.filter_cookies(client.make_url("/admin"))[STAFF_COOKIE]
    assert second.value != first
    # The session the browser brought along is closed, not kept alive next to the new one.
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({STAFF_COOKIE: first}, client.make_url("/admin"))
    refused = await client.get("/admin", allow_redirects=False)
    assert refused.status == 303


async def test_planted_session_token_is_not_adopted(client: HubClient) -> None:
    """Session fixation: a token set by someone else before login is never the session."""
    admin = await set_up_hub(client)
    await post_form(client, "/admin/logout", {}, page="/admin")
    planted = "attacker-chosen-token-0123456789"
    client.session.cookie_jar.update_cookies({STAFF_COOKIE: planted}, client.make_url("/admin"))
    await sign_in(client, admin.username, admin.password)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/admin"))[STAFF_COOKIE]
    assert cookie.value != planted


async def test_staff_cookie_is_httponly_strict_and_only_for_admin(client: HubClient) -> None:
    await set_up_hub(client)
    await post_form(client, "/admin/logout", {}, page="/admin")
    token = await csrf_from(client, "/admin/login")
    response = await client.post(
        "/admin/login",
        data={"username": "director", "password": ADMIN_PASSWORD, "csrf": token},
        allow_redirects=False,
    )
    assert response.status == 303
    header = next(h for h in response.headers.getall("Set-Cookie") if h.startswith(STAFF_COOKIE))
    lowered = header.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/admin" in lowered


async def test_logout_ends_the_session(client: HubClient) -> None:
    await set_up_hub(client)
    token = client.session.cookie_jar.filter_cookies(client.make_url("/admin"))[STAFF_COOKIE].value
    _status, path, _ = await post_form(client, "/admin/logout", {}, page="/admin")
    assert path == "/admin/login"
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({STAFF_COOKIE: token}, client.make_url("/admin"))
    assert (await client.get("/admin", allow_redirects=False)).status == 303


async def test_wrong_passwords_slow_down_then_lock_the_account(client: HubClient) -> None:
    admin = await set_up_hub(client)
    await post_form(client, "/admin/logout", {}, page="/admin")
    statuses = []
    limiter = client.app[keys.STAFF_LIMITER]
    for _ in range(10):
        limiter.succeeded("127.0.0.1")  # the per-device wait is tested below; here, the lockout
        status, _, body = await sign_in(client, admin.username, "wrong password")
        statuses.append(status)
    assert statuses[:9] == [401] * 9
    assert statuses[9] == 423 and "locked" in body
    limiter.succeeded("127.0.0.1")
    status, _, body = await sign_in(client, admin.username, admin.password)
    assert status == 423, "a locked account stays locked even with the right password"


async def test_each_wrong_try_from_a_device_makes_the_next_wait(client: HubClient) -> None:
    admin = await set_up_hub(client)
    await post_form(client, "/admin/logout", {}, page="/admin")
    for _ in range(3):
        status, _, _ = await sign_in(client, admin.username, "wrong password")
        assert status == 401
    status, _, body = await sign_in(client, admin.username, admin.password)
    assert status == 429
    assert "wait" in body


async def test_unknown_username_and_wrong_password_look_the_same(client: HubClient) -> None:
    admin = await set_up_hub(client)
    await post_form(client, "/admin/logout", {}, page="/admin")
    _, _, unknown = await sign_in(client, "nobody", "whatever1")
    _, _, wrong = await sign_in(client, admin.username, "whatever1")
    assert "Wrong username or password" in unknown and "Wrong username or password" in wrong


async def test_admin_adds_a_teacher_who_signs_in_and_cannot_manage_staff(
    client: HubClient,
) -> None:
    await set_up_hub(client)
    _, path, body = await post_form(
        client,
        "/admin/staff",
        {
            "display_name": "Profe Luis",
            "username": "luis",
            "role": "teacher",
            "password": "luis password",
            "password2": "luis password",
        },
    )
    assert path == "/admin/staff" and "Profe Luis" in body
    await post_form(client, "/admin/logout", {}, page="/admin")
    _status, path, _ = await sign_in(client, "LUIS", "luis password")
    assert path == "/admin"
    assert (await client.get("/admin/staff")).status == 403
    assert (await client.get("/admin/learners")).status == 200


async def test_admin_resets_a_locked_teachers_password(client: HubClient) -> None:
    admin = await set_up_hub(client)
    await post_form(
        client,
        "/admin/staff",
        {
            "display_name": "Profe Luis",
            "username": "luis",
            "role": "teacher",
            "password": "luis password",
            "password2": "luis password",
        },
    )
    async with client.app[keys.STORE].reader() as db:
        luis = await staff.login_record(db, "luis")
    assert luis is not None
    for _ in range(10):
        await client.app[keys.STORE].write(staff.record_failed_login(luis.member.staff_id))
    _, path, _ = await post_form(
        client,
        f"/admin/staff/{luis.member.staff_id}/password",
        {"password": "new luis password", "password2": "new luis password"},
        page="/admin/staff",
    )
    assert path == "/admin/staff"
    await post_form(client, "/admin/logout", {}, page="/admin")
    _status, path, _ = await sign_in(client, "luis", "new luis password")
    assert path == "/admin"
    del admin


async def test_changing_ones_password_signs_out_everywhere(client: HubClient) -> None:
    admin = await set_up_hub(client)
    _status, path, body = await post_form(
        client,
        "/admin/account",
        {"current": admin.password, "password": "a brand new one", "password2": "a brand new one"},
    )
    assert path == "/admin/login" and "The password is changed" in body
    assert (await sign_in(client, admin.username, admin.password))[0] == 401
    assert (await sign_in(client, admin.username, "a brand new one"))[1] == "/admin"
