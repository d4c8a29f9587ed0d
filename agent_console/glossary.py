"""术语表 (/console/glossary): the time words of a case and what each means (agent_console.time_words)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agent_console.session import ConsoleActor
from agent_console.templating import templates
from agent_console.time_words import DEADLINE_WORDS, TIME_WORDS

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/glossary", response_class=HTMLResponse)
def glossary(request: Request, _actor: ConsoleActor) -> Response:
    return templates.TemplateResponse(request, "glossary.html", {"words": TIME_WORDS, "deadlines": DEADLINE_WORDS})
