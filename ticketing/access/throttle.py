"""Login throttling that strangers cannot turn against an account's owner.

Failed attempts are counted in a sliding window (`login_lockout_minutes`), per client address and per
username (whether or not such a user exists, so unknown names behave like real ones):

* after `login_delay_after` failures (of the address or the username) each further answer is delayed,
  doubling from 0.25 s up to `login_delay_max_seconds`;
* an address with `login_max_failures` failures is refused outright (429 + Retry-After) until its failures
  age out of the window — that is the first lock, and it only stops the guesser (users who logged in from
  that address before still get through, so colleagues behind one NAT do not lock each other out);
* an account is locked only after `login_account_max_failures` failures from at least
  `login_account_min_addresses` different addresses (a distributed attack). Even then the correct password
  from a known-good address — one that logged in to this account within `login_known_address_days` — works.

Wrong password, unknown user, disabled user and locked account all get the same 401 answer; only the
address lock (which says nothing about any account) is a 429. Locks and unlocks write access records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.errors import TooManyRequests
from hotline.settings import Settings
from ticketing.access import service

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Standing:
    """How an attempt stands before its password is checked."""

    account_locked: bool
    known_address: bool
    delay_seconds: float


def key(username: str) -> str:
    return username.strip().lower()[:64]


def _since(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(minutes=settings.login_lockout_minutes)


def _account_locked(settings: Settings, count: int, addresses: int) -> bool:
    return count >= settings.login_account_max_failures and addresses >= settings.login_account_min_addresses


def delay_for(settings: Settings, failures: int) -> float:
    over = failures - settings.login_delay_after
    return 0.0 if over < 0 else min(settings.login_delay_max_seconds, 0.25 * 2 ** over)


def check(session: Session, *, settings: Settings, username: str, client: str, now: datetime) -> Standing:
    """Refuse a locked address (429); otherwise say whether the account is locked and how long to delay."""
    since = _since(settings, now)
    by_address = service.client_failures(session, client=client, since=since)
    count, addresses, _last = service.account_failures(session, username=key(username), since=since)
    known = service.known_good_client(session, username=key(username), client=client,
                                      since=now - timedelta(days=settings.login_known_address_days))
    # A shared address (an office behind NAT) locked by others' typos still admits a user who logged in from
    # it before — unless that very username is being guessed.
    if by_address >= settings.login_max_failures and (not known or count >= settings.login_max_failures):
        raise TooManyRequests("too many failed logins from this address; try again later",
                              retry_after=settings.login_lockout_minutes * 60)
    return Standing(account_locked=_account_locked(settings, count, addresses), known_address=known,
                    delay_seconds=delay_for(settings, max(by_address, count)))


def failed(session: Session, *, settings: Settings, username: str, client: str, now: datetime) -> float:
    """Record a failure; audit the lock it causes. The delay to apply before answering."""
    since = _since(settings, now)
    name = key(username)
    before = service.account_failures(session, username=name, since=since)
    service.add_attempt(session, username=name, client=client, ok=False, at=now)
    by_address = service.client_failures(session, client=client, since=since)
    count, addresses, _ = service.account_failures(session, username=name, since=since)
    who = service.Who(None, name or "-", ANONYMOUS, client)
    if by_address == settings.login_max_failures:
        service.record(session, who=who, action="login_address_locked",
                       detail={"username": name, "failures": by_address, "minutes": settings.login_lockout_minutes})
    if _account_locked(settings, count, addresses) and not _account_locked(settings, before[0], before[1]):
        service.record(session, who=who, action="login_account_locked",
                       detail={"username": name, "failures": count, "addresses": addresses})
    return delay_for(settings, max(by_address, count))


def succeeded(session: Session, *, username: str, client: str, now: datetime) -> None:
    """A good login: remember the address as known-good and forget this address's failures for the name."""
    name = key(username)
    service.forget_failures(session, username=name, client=client)
    service.add_attempt(session, username=name, client=client, ok=True, at=now)


def unlock(session: Session, *, username: str, by: service.Who) -> int:
    """An administrator clears every failed attempt on the account (it is usable at once from anywhere)."""
    removed = service.forget_failures(session, username=key(username))
    service.record(session, who=by, action="login_unlocked", detail={"username": key(username), "cleared": removed})
    return removed
