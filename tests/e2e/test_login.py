"""Logging in and out of the console in a real browser."""

from __future__ import annotations

from tests.e2e.conftest import login, shot


def test_login_failure_then_success_then_logout(live_server, page, users):
    user, _ = users("agent")
    login(page, live_server, user.username, "wrong-password")
    assert page.locator(".error").inner_text() == "用户名或密码错误"
    shot(page, "login-error")
    login(page, live_server, user.username)
    page.wait_for_url("**/console/queue")
    assert user.display_name in page.locator(".who").inner_text()
    page.click("text=退出")
    page.wait_for_url("**/console/login")
    page.goto(f"{live_server}/console/queue")
    page.wait_for_url("**/console/login")
