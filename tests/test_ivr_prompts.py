"""IVR prompt texts: defaults, admin overrides through service and API, limits and permissions."""

from __future__ import annotations

from ivr import prompts
from ivr.prompts import DEFAULT_PROMPTS


def test_defaults_then_saved_text_wins_then_reset(session):
    assert prompts.get_prompts(session)["greeting"] == "您好，这里是12345政务服务便民热线。"
    assert set(prompts.get_prompts(session)) == set(DEFAULT_PROMPTS)
    prompts.set_prompt(session, key="greeting", text="  您好，欢迎致电12345。 ", max_chars=50)
    session.commit()
    current = prompts.get_prompts(session)
    assert current["greeting"] == "您好，欢迎致电12345。"
    assert current["menu"] == DEFAULT_PROMPTS["menu"]
    view = prompts.get_prompt(session, key="greeting")
    assert view.customized and view.default_text == DEFAULT_PROMPTS["greeting"] and view.updated_at.tzinfo
    assert prompts.reset_prompt(session, key="greeting") is True
    session.commit()
    assert prompts.get_prompts(session)["greeting"] == DEFAULT_PROMPTS["greeting"]
    assert prompts.reset_prompt(session, key="greeting") is False


def test_service_rejects_unknown_key_empty_long_and_control_text(session):
    import pytest

    from hotline.errors import NotFound, ValidationFailed

    with pytest.raises(NotFound):
        prompts.set_prompt(session, key="no_such_prompt", text="你好")
    for bad in ("", "   ", "好" * 11, "第一行\n第二行"):
        with pytest.raises(ValidationFailed):
            prompts.set_prompt(session, key="menu", text=bad, max_chars=10)
    assert prompts.set_prompt(session, key="menu", text="好" * 10, max_chars=10).text == "好" * 10


def test_api_reads_for_staff_and_writes_for_admin_only(client, users, settings):
    admin, admin_h = users("admin")
    _, agent_h = users("agent")
    _, dept_h = users("department")
    listed = client.get("/api/v1/ivr/prompts", headers=dept_h)
    assert listed.status_code == 200
    assert [p["key"] for p in listed.json()][:2] == ["greeting", "menu"]
    assert client.get("/api/v1/ivr/prompts").status_code == 401

    denied = client.put("/api/v1/ivr/prompts/menu", json={"text": "请按1"}, headers=agent_h)
    assert denied.status_code == 403
    saved = client.put("/api/v1/ivr/prompts/menu", json={"text": "咨询请按2，投诉请按1。"}, headers=admin_h)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["text"] == "咨询请按2，投诉请按1。" and body["customized"] and body["updated_by"] == admin.id
    assert body["default_text"] == DEFAULT_PROMPTS["menu"]
    assert client.get("/api/v1/ivr/prompts/menu", headers=agent_h).json()["text"] == "咨询请按2，投诉请按1。"

    too_long = "长" * (settings.ivr_prompt_max_chars + 1)
    bad = client.put("/api/v1/ivr/prompts/menu", json={"text": too_long}, headers=admin_h)
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "text"
    assert client.put("/api/v1/ivr/prompts/menu", json={"text": " "}, headers=admin_h).status_code == 422
    assert client.put("/api/v1/ivr/prompts/nope", json={"text": "好"}, headers=admin_h).status_code == 404

    assert client.delete("/api/v1/ivr/prompts/menu", headers=agent_h).status_code == 403
    reset = client.delete("/api/v1/ivr/prompts/menu", headers=admin_h)
    assert reset.status_code == 200 and reset.json()["text"] == DEFAULT_PROMPTS["menu"]
    assert reset.json()["customized"] is False


def test_ivr_package_stays_vendor_free():
    from tests.test_architecture import VENDORS, imported_roots, python_files

    for path in python_files("ivr"):
        assert not imported_roots(path) & VENDORS, path
