"""The worker's writer thread: every database write and lookup of a call goes through telephony.flows here,
never on the pjsua2 thread. Operations are queued in order per call; the pjsua2 side names a call by a
local key (the flows' call id is only known once `call_started` has committed)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from importlib import import_module
from typing import Any

from telephony.port import AllowAll, CallerScreen

log = logging.getLogger(__name__)

LookupReply = Callable[[str, bool, tuple[str, ...]], None]   # (key, found, status words)
ScreenReply = Callable[[str, bool, bool], None]                 # (key, blocked, due the abuse warning)


def allow_all(ctx: Any) -> CallerScreen:
    """Default caller screen factory (HOTLINE_TELEPHONY_CALLER_SCREEN): nobody is blocked."""
    return AllowAll()


def load_screen(ref: str, ctx: Any) -> CallerScreen:
    """The CallerScreen made by the factory "module:function" (called with the AppContext)."""
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)(ctx)


class CallWriter:
    def __init__(self, ctx: Any, *, worker: str, on_lookup: LookupReply, on_screen: ScreenReply | None = None,
                 screen: CallerScreen | None = None, flows: Any = None) -> None:
        if flows is None:
            from telephony import flows as telephony_flows

            flows = telephony_flows
        self.ctx, self.worker, self.on_lookup, self.flows = ctx, worker, on_lookup, flows
        self.on_screen, self.screener = on_screen, screen or AllowAll()
        self.ids: dict[str, int] = {}
        self.warn: dict[str, str] = {}   # key -> normalised caller of a call the screen said to warn
        self.jobs: queue.Queue[tuple[str, str, dict] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="call-writer", daemon=True)
        self.errors = 0

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish queued writes (bounded), then end the thread."""
        self.jobs.put(None)
        self.thread.join(timeout)

    # --- called from the pjsua2 thread: enqueue only --------------------------------------------
    def started(self, key: str, *, sip_call_id: str, caller_raw: str | None, callee: str | None) -> None:
        self.jobs.put(("started", key, {"sip_call_id": sip_call_id, "caller_raw": caller_raw, "callee": callee}))

    def progress(self, key: str, *, ivr_node: str | None = None, digits: str | None = None,
                 mark: dict | None = None) -> None:
        self.jobs.put(("progress", key, {"ivr_node": ivr_node, "digits": digits, "mark": mark}))

    def lookup(self, key: str, number: str) -> None:
        self.jobs.put(("lookup", key, {"number": number}))

    def screen(self, key: str, caller_raw: str | None) -> None:
        self.jobs.put(("screen", key, {"caller_raw": caller_raw}))

    def warned(self, key: str) -> None:
        """The abuse warning the screen asked for was played to its end: the screen records it."""
        self.jobs.put(("warned", key, {}))

    def recorded(self, key: str, *, recording_path: str, recording_seconds: float) -> None:
        """The call's last recording is complete while the caller still hears the goodbye: process it now."""
        self.jobs.put(("recorded", key, {"recording_path": recording_path, "recording_seconds": recording_seconds}))

    def ended(self, key: str, *, outcome: str, recording_path: str | None, recording_seconds: float) -> None:
        self.jobs.put(("ended", key, {"outcome": outcome, "recording_path": recording_path,
                                      "recording_seconds": recording_seconds}))

    # --- the writer thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            op, key, args = job
            try:
                self._do(op, key, args)
            except Exception:
                self.errors += 1
                log.exception("call %s: %s failed", key, op)
                if op == "lookup":
                    self.on_lookup(key, False, ())
                elif op == "screen" and self.on_screen is not None:
                    self.on_screen(key, False, False)   # a broken screen never keeps callers out

    def _do(self, op: str, key: str, args: dict) -> None:
        if op == "started":
            self.ids[key] = self.flows.call_started(self.ctx, worker=self.worker, **args)
            return
        if op == "screen":
            caller = self.flows.normalize_caller(args["caller_raw"])
            screening = self.screener.screen(caller)
            warning = bool(caller and screening.warning)
            if warning:
                self.warn[key] = caller
            if self.on_screen is not None:
                self.on_screen(key, bool(screening.blocked), warning)
            return
        if op == "lookup":
            found, words = self.flows.ticket_status_words(self.ctx, number=args["number"])
            self.on_lookup(key, bool(found), tuple(words))
            return
        call_id = self.ids.get(key)
        if call_id is None:
            log.error("call %s: %s before the call was stored; dropped", key, op)
            return
        if op == "progress":
            self.flows.call_progress(self.ctx, call_id=call_id, **args)
        elif op == "warned":
            caller = self.warn.pop(key, None)
            if caller is None:
                log.error("call %s: a warning was played that the screen did not ask for; not recorded", key)
            else:
                self.screener.warned(caller, call_id=call_id)
        elif op == "recorded":
            self.flows.call_recorded(self.ctx, call_id=call_id, **args)
        elif op == "ended":
            self.ids.pop(key, None)
            self.warn.pop(key, None)
            self.flows.call_ended(self.ctx, call_id=call_id, **args)
