"""Recording downloads: every byte range served is audited (who, when, which case, which range), for every
role; malformed and unsatisfiable ranges get 416 and serve nothing (issue 16, probe 1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline import byteranges
from hotline.errors import RangeNotSatisfiable
from tests.test_console_agent import Person, actions, as_, make, org, write_wav  # noqa: F401  (org: fixture)
from ticketing.access.models import AccessRecord


@pytest.fixture
def people(users, org):  # noqa: F811
    return {name: Person(*users(role, dept)) for name, role, dept in [
        ("agent", "agent", None), ("supervisor", "supervisor", None), ("admin", "admin", None),
        ("department", "department", org.other)]}


def records(context, number):
    with context.reader() as session:
        return list(session.scalars(select(AccessRecord).where(
            AccessRecord.ticket_number == number, AccessRecord.action == "recording").order_by(AccessRecord.id)))


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("bytes=0-99", [(0, 99)]), ("bytes=-99999999", [(0, 999)]), ("bytes=00-", [(0, 999)]),
    ("bytes= 0-", [(0, 999)]), ("bytes=1-", [(1, 999)]), ("bytes=-10", [(990, 999)]),
    ("bytes=0-9, 20-29", [(0, 9), (20, 29)]), ("bytes=0-9,5-19", [(0, 19)]), ("BYTES=990-5000", [(990, 999)]),
])
def test_ranges_are_parsed(header, expected):
    assert byteranges.parse(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-1", "bytes=-0", "bytes=", "bytes=a-b", "items=0-1",
                                    "bytes=-", "bytes=0-1,,2-3", "bytes=" + ",".join(["0-1"] * 9), "0-10"])
def test_bad_ranges_are_not_satisfiable(header):
    with pytest.raises(RangeNotSatisfiable):
        byteranges.parse(header, 1000)


@pytest.mark.parametrize("header", ["bytes=-99999999", "bytes=00-", "bytes= 0-", "bytes=1-", "bytes=0-9,100-109"])
@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_every_range_served_is_audited(client, context, people, header, role):
    root = context.settings.data_dir / "recordings"
    path = root / "2026" / "call-r.wav"
    write_wav(path)
    size = path.stat().st_size
    person = people[role]
    number = make(context, people["agent"].actor, recording_url="2026/call-r.wav")
    response = as_(client, person).get(f"/console/tickets/{number}/recording", headers={"Range": header})
    assert response.status_code == 206, response.text
    (row,) = records(context, number)
    assert row.actor_id == person.actor.id and row.actor_role == role and row.detail["requested"] == header
    assert row.at is not None and row.ticket_number == number
    served = byteranges.parse(header, size)
    assert row.detail["range"] == byteranges.label(served, size)
    assert row.detail["bytes"] == sum(b - a + 1 for a, b in served)
    if len(served) == 1:
        assert response.headers["content-range"] == f"bytes {served[0][0]}-{served[0][1]}/{size}"
        assert response.content == path.read_bytes()[served[0][0]:served[0][1] + 1]
    else:
        assert response.headers["content-type"].startswith("multipart/byteranges; boundary=")
        assert f"Content-Range: bytes 100-109/{size}".encode() in response.content
    # A playback that includes the first byte is also a listen event in the case history.
    assert actions(context, number, person.actor).count("listen") == (1 if served[0][0] == 0 else 0)


def test_whole_file_and_continuations_each_write_a_record(client, context, people):
    write_wav(context.settings.data_dir / "recordings" / "c.wav")
    agent = people["agent"]
    number = make(context, agent.actor, recording_url="c.wav")
    as_(client, agent)
    assert client.get(f"/console/tickets/{number}/recording").status_code == 200
    assert client.get(f"/console/tickets/{number}/recording", headers={"Range": "bytes=100-199"}).status_code == 206
    rows = records(context, number)
    assert [r.detail["range"].split("/")[0] for r in rows][1] == "100-199" and len(rows) == 2
    assert rows[0].detail["requested"] is None and rows[0].detail["range"].startswith("0-")


@pytest.mark.parametrize("header", ["bytes=999999-", "bytes=5-1", "bytes=abc", "bytes=-0"])
def test_unsatisfiable_range_is_416_and_serves_nothing(client, context, people, header):
    path = context.settings.data_dir / "recordings" / "d.wav"
    write_wav(path)
    agent = people["agent"]
    number = make(context, agent.actor, recording_url="d.wav")
    response = as_(client, agent).get(f"/console/tickets/{number}/recording", headers={"Range": header})
    assert response.status_code == 416 and b"RIFF" not in response.content
    assert response.headers["content-range"] == f"bytes */{path.stat().st_size}"
    assert records(context, number) == [] and "listen" not in actions(context, number, agent.actor)


def test_department_outside_the_case_gets_no_bytes_and_no_record(client, context, people):
    write_wav(context.settings.data_dir / "recordings" / "e.wav")
    number = make(context, people["agent"].actor, recording_url="e.wav")
    response = as_(client, people["department"]).get(f"/console/tickets/{number}/recording",
                                                      headers={"Range": "bytes=-99999999"})
    assert response.status_code in (403, 404) and b"RIFF" not in response.content
    assert records(context, number) == []
