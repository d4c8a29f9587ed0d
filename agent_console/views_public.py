"""The public disclosure page /public/monthly and its JSON feed /public/monthly.json: published months only,
no login, nothing personal (department names and figures)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from agent_console.templating import templates
from hotline.deps import Ctx
from reports import disclosure

router = APIRouter(prefix="/public", tags=["public"])



@router.get("/monthly.json")
def monthly_feed(ctx: Ctx) -> dict:
    """Every published month, newest first: per department volume, on-time rate and satisfaction (percent)."""
    return {"months": disclosure.published(ctx)}


@router.get("/monthly", response_class=HTMLResponse)
def monthly_page(request: Request, ctx: Ctx):
    return templates.TemplateResponse(request, "public_monthly.html", {"months": disclosure.published(ctx)})
