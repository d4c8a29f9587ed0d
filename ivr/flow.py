"""IVR menus as data: a validated flow file (JSON) of named nodes.

Node kinds (every node waits for the caller or ends the call, so the engine never loops on its own):
  menu    play prompts, gather one key, go to options[key]; invalid keys and timeouts re-prompt
  record  mark the call (ticket type, urgency), play prompts, record after the beep, go to `next`
  lookup  play prompts, gather a ticket number ended by #, look it up, speak digits and status, go to `next`
  gate    play prompts, gather one key; the configured emergency key goes to `target`, anything else `on_fail`
  play    play prompts, go to `next`
  notice  play prompts that keys cannot skip, then go on to the node the call was headed for (`start` or
          `after_hours`); only the flow's `warning` may be a notice (the abuse warning before the menu)
  transfer / hangup   play prompts (optional), then transfer to `target` / hang up

Call-wide numbers (open hours, retries, record limits...) live in `limits`; `load_flow(settings=...)`
fills them from settings unless the file sets them. Unknown keys, unknown node references and unknown
prompt keys are refused with a ConfigurationError naming the culprit. A flow without `warning` is valid but
never plays the abuse warning: `missing_warning_notice` words that for whoever loads the flow at start-up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hotline.errors import ConfigurationError
from ivr.hours import parse_open_hours
from ivr.words import known_prompt_keys

DEFAULT_FLOW_PATH = Path(__file__).with_name("default_flow.json")
KEYS = "0123456789*#"

Prompts = tuple[str, ...]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Model):
    open_hours: str = Field("00:00-24:00", description="Local times the menu is offered; else after_hours.")
    max_retries: int = Field(3, ge=0, description="Re-prompts after a timeout or invalid key before giving up.")
    max_record_seconds: float = Field(120.0, gt=0, description="Longest recording.")
    record_silence_seconds: float = Field(5.0, gt=0, description="Silence that ends a recording.")
    gather_timeout_seconds: float = Field(6.0, gt=0, description="Wait for a key press.")
    emergency_key: str = Field("9", description="Key a blocked caller presses for a genuine emergency.")
    max_events: int = Field(200, ge=10, description="Events after which a call is ended (runaway guard).")

    @field_validator("open_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_open_hours(value)
        return value

    @field_validator("emergency_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if len(value) != 1 or value not in KEYS:
            raise ValueError(f"emergency key must be one of {KEYS}")
        return value


class MarkSpec(_Model):
    menu_choice: str | None = None
    ticket_type: Literal["consult", "help", "complaint", "report", "suggestion", "praise"] | None = None
    urgent: bool | None = None


class MenuNode(_Model):
    type: Literal["menu"]
    prompts: Prompts = Field(min_length=1)
    retry_prompts: Prompts | None = Field(None, description="Played after invalid/timeout; default prompts.")
    options: dict[str, str] = Field(min_length=1)
    on_fail: str = "goodbye"
    max_retries: int | None = Field(None, ge=0)

    @field_validator("options")
    @classmethod
    def _digits(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [key for key in value if len(key) != 1 or key not in KEYS]
        if bad:
            raise ValueError(f"menu option keys must be single keys of {KEYS}, not {bad}")
        return value


class RecordNode(_Model):
    type: Literal["record"]
    prompts: Prompts = ()
    mark: MarkSpec | None = None
    beep: bool = True
    next: str = "goodbye"


class LookupNode(_Model):
    type: Literal["lookup"]
    prompts: Prompts = Field(min_length=1)
    max_digits: int = Field(20, ge=1, le=64)
    next: str = "goodbye"
    on_fail: str = "goodbye"
    max_retries: int | None = Field(None, ge=0)


class GateNode(_Model):
    type: Literal["gate"]
    prompts: Prompts = Field(min_length=1)
    target: str
    on_fail: str


class PlayNode(_Model):
    type: Literal["play"]
    prompts: Prompts = Field(min_length=1)
    next: str


class NoticeNode(_Model):
    type: Literal["notice"]
    prompts: Prompts = Field(min_length=1)


class TransferNode(_Model):
    type: Literal["transfer"]
    prompts: Prompts = ()
    target: str = Field(min_length=1, description="SIP URI or number to transfer to.")


class HangupNode(_Model):
    type: Literal["hangup"]
    prompts: Prompts = ()
    reason: str = "done"


Node = Annotated[MenuNode | RecordNode | LookupNode | GateNode | PlayNode | NoticeNode | TransferNode | HangupNode,
                 Field(discriminator="type")]
_NODE_REFS = {MenuNode: ("on_fail",), RecordNode: ("next",), LookupNode: ("next", "on_fail"),
              GateNode: ("target", "on_fail"), PlayNode: ("next",)}


class Flow(_Model):
    start: str = Field(description="Node of a caller within open hours.")
    after_hours: str = Field(description="Node of a caller outside open hours.")
    blocked: str = Field(description="Node of a caller the screen blocks.")
    warning: str | None = Field(None, description="Notice node played first to a caller the screen marks as due "
                                                  "an abuse warning; the call then goes on as usual.")
    limits: Limits = Limits()
    nodes: dict[str, Node] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Flow:
        problems = []
        for field in ("start", "after_hours", "blocked"):
            if getattr(self, field) not in self.nodes:
                problems.append(f"{field} refers to unknown node {getattr(self, field)!r}")
        if self.warning is not None and not isinstance(self.nodes.get(self.warning), NoticeNode):
            problems.append(f"warning refers to {self.warning!r}, which is not a notice node")
        notices = {name for name, node in self.nodes.items() if isinstance(node, NoticeNode)}
        problems += [f"{field} refers to notice node {getattr(self, field)!r} (only warning may)"
                     for field in ("start", "after_hours", "blocked") if getattr(self, field) in notices]
        known = known_prompt_keys()
        for name, node in self.nodes.items():
            refs = [(f, getattr(node, f)) for f in _NODE_REFS.get(type(node), ())]
            refs += [(f"options[{k}]", v) for k, v in getattr(node, "options", {}).items()]
            problems += [f"node {name!r}: {f} refers to unknown node {ref!r}"
                         for f, ref in refs if ref not in self.nodes]
            problems += [f"node {name!r}: {f} refers to notice node {ref!r} (only warning may)"
                         for f, ref in refs if ref in notices]
            prompts = [*node.prompts, *(getattr(node, "retry_prompts", None) or ())]
            problems += [f"node {name!r}: unknown prompt key {key!r}" for key in prompts if key not in known]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def node(self, name: str) -> Node:
        return self.nodes[name]

    @property
    def prompt_keys(self) -> frozenset[str]:
        """Every prompt key this flow may speak (what the engine checks spoken status words against)."""
        return known_prompt_keys()


def settings_limits(settings) -> dict:
    """Limits taken from settings (HOTLINE_IVR_*)."""
    return {
        "open_hours": settings.ivr_open_hours, "max_retries": settings.ivr_max_retries,
        "max_record_seconds": settings.ivr_max_record_seconds,
        "record_silence_seconds": settings.ivr_record_silence_seconds,
        "gather_timeout_seconds": settings.ivr_gather_timeout_seconds,
        "emergency_key": settings.ivr_emergency_key,
    }


def parse_flow(data: dict, *, settings=None, source: str = "<flow>") -> Flow:
    """Validate a flow given as a dict; limits not in the data come from settings when given."""
    if not isinstance(data, dict):
        raise ConfigurationError(f"IVR flow {source}: top level must be an object", source=source)
    if settings is not None:
        own = data.get("limits") if isinstance(data.get("limits"), dict) else {}
        data = {**data, "limits": {**settings_limits(settings), **own}}
    try:
        return Flow.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc'])) or '<flow>'}: {e['msg']}" for e in exc.errors()]
        raise ConfigurationError(f"invalid IVR flow {source}: " + "; ".join(lines),
                                 source=source, errors=lines) from None


def flow_path(path: Path | str | None = None, *, settings=None) -> Path:
    """The flow file `load_flow` reads for the same arguments."""
    if path is None and settings is not None and getattr(settings, "ivr_flow_path", None):
        path = settings.ivr_flow_path
    return Path(path) if path is not None else DEFAULT_FLOW_PATH


def missing_warning_notice(flow: Flow, source: Path | str) -> str | None:
    """What is lost when `flow` has no `warning` notice node (None when it has one).

    The flow stays valid, but the screen's abuse warning then has nowhere to play: a caller due it is let
    through without it and their incidents stay unwarned. Callers of load_flow at start-up report this text."""
    if flow.warning is not None:
        return None
    return (f"IVR flow {source} has no 'warning' notice node: callers due the abuse warning (after a first abuse "
            "incident) will not hear it and their incidents stay unwarned. Add \"warning\": \"<node>\" naming a "
            "notice node that plays 'abuse_warning' (see ivr/default_flow.json)")


def load_flow(path: Path | str | None = None, *, settings=None) -> Flow:
    """Read and validate a flow file (default: the Chinese default flow; settings.ivr_flow_path if set)."""
    path = flow_path(path, settings=settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read IVR flow {path}: {exc}", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"IVR flow {path} is not valid JSON: {exc}", source=str(path)) from None
    return parse_flow(data, settings=settings, source=str(path))
