"""The workshop's web server: FastAPI pages for trainees and the instructor, live by websocket.

Why this stack, in short (the full argument is in ``docs/architecture.md``, "Workshop game:
web stack"): the room shares ONE state -- the rounds, the teams, the leaderboard -- so one
process holds it (:class:`~simkit.workshop.session.Workshop`) and serves every browser from
it. Starlette (under FastAPI) is an ASGI framework: one event loop holds dozens of open
websockets for the price of a few kilobytes each, while the seconds of simulation a close
takes run in a worker thread (``run_in_threadpool``), so pages keep answering.

How a page stays live: every page opens ``/ws``. The server sends ``{"type": "state",
"version": ..., "phase": ..., "round": ...}`` on connect and after every change (a join, a
submission, a round opened or closed, an undo). The page compares the version with the one
it was drawn from and, when it differs, fetches its server-rendered fragment again
(``/team/fragment`` or ``/instructor/fragment``) -- so the HTML is written once, in Jinja,
and the websocket carries no private data at all.

Who may do what:

* trainees join with the join code and a team name (``POST /join``) and get their team
  token in an HttpOnly cookie (``simkit_team``); every team route reads the team from that
  cookie alone, so a team can only ever see or change its own decisions;
* the instructor opens ``/instructor?token=...`` once; the token moves into an HttpOnly,
  SameSite=Strict cookie (``simkit_instructor``) and out of the address bar;
* a request whose ``Host`` header names another machine is refused (403) while the server
  listens on this machine only (DNS rebinding), like the dashboard's; a POST or websocket
  from another site's page (``Origin``) is refused too;
* Jinja2 escapes everything it puts on a page (``autoescape=True``), and a
  Content-Security-Policy allows scripts from ``/static`` only.

Bad values get one sentence: on the page for a form post, or ``{"error": ..., "field":
...}`` with a 4xx status when the page's script asked for JSON (``Accept:
application/json``).

The routes (a POST answers JSON when asked, else redirects or shows the page):

==============================  =============================================================
``GET /`` (``?code=``)           the join page (a team with its cookie goes on to ``/team``)
``POST /join``                   ``code``, ``name`` [, ``key``]: sets the team cookie
``POST /leave``                  forgets the team cookie in this browser
``GET /team``                    the team page: state, last results, decision form
``GET /team/fragment``           the live part of it (``#live``)
``POST /team/decisions``         the decision form (:mod:`simkit.workshop.forms`)
``POST /team/planned``           the same fields -> planned hours for the capacity meter
``GET /team/plot/<metric>.png``  the team's figure (with the reference lines)
``GET /instructor?token=``       moves the token into a cookie, then the instructor page
``GET /instructor/fragment``     its live part
``POST /instructor/<action>``    ``open``, ``close``, ``undo``, ``settings``
``GET /instructor/plot/<m>.png`` every team's figure
``GET /api/state``               the room's state as JSON (what ``/ws`` pushes)
``WS /ws``                       pushes the state; answers ``ping`` with ``{"type": "pong"}``
==============================  =============================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Receive, Scope, Send

from simkit.io.hosts import is_local
from simkit.workshop.session import Workshop, WorkshopError
from simkit.workshop.web_views import (
    figure_png_for,
    instructor_context,
    prerender,
    settings_overrides,
    team_context,
)

__all__ = [
    "INSTRUCTOR_COOKIE",
    "TEAM_COOKIE",
    "Hub",
    "HostCheck",
    "create_app",
    "host_name",
    "is_local",
]

TEAM_COOKIE = "simkit_team"
"""The cookie holding a team's token (HttpOnly, SameSite=Lax)."""

INSTRUCTOR_COOKIE = "simkit_instructor"
"""The cookie holding the instructor token (HttpOnly, SameSite=Strict)."""

HERE = Path(__file__).resolve().parent

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make form posts send Origin: null
    "X-Frame-Options": "DENY",
}


def host_name(header: str) -> str:
    """The host part of a ``Host`` header (port and IPv6 brackets removed).

    >>> host_name("127.0.0.1:8000"), host_name("[::1]:80"), host_name("Localhost")
    ('127.0.0.1', '::1', 'localhost')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


MAX_BODY_BYTES = 64_000
"""The largest request body taken: a decision form is well under 2 kB."""

MAX_UPLOAD_BYTES = 20_000_000
"""The largest settings form (with an account list uploaded as the starting book)."""


def _too_big(length: str | None, limit: int) -> bool:
    try:
        return length is not None and int(length) > limit
    except ValueError:
        return True


class HostCheck:
    """ASGI middleware: refuse (403) requests and websockets whose ``Host`` header is not
    this machine while the server listens on this machine only, websockets opened by a page
    of another site (``Origin`` naming another host), and (413) bodies over
    :data:`MAX_BODY_BYTES`."""

    def __init__(self, app: ASGIApp, local_only: bool) -> None:
        self.app = app
        self.local_only = local_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            host = headers.get("host", "")
            refused = self.local_only and not is_local(host_name(host))
            origin = headers.get("origin")
            if not refused and origin and scope["type"] == "websocket":
                refused = (urlsplit(origin).netloc or "").lower() != host.lower()
            limit = MAX_UPLOAD_BYTES if scope["path"] == "/instructor/settings" else MAX_BODY_BYTES
            if scope["type"] == "http" and _too_big(headers.get("content-length"), limit):
                response = JSONResponse(
                    {"error": f"request too large (at most {limit // 1000:,} kB)"}, 413
                )
                await response(scope, receive, send)
                return
            if refused:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                response = JSONResponse(
                    {"error": "this server answers requests for this machine only"},
                    status_code=403,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Hub:
    """The open websockets; :meth:`publish` sends the room's state to each of them."""

    def __init__(self) -> None:
        self.sockets: set[WebSocket] = set()

    async def publish(self, message: dict[str, Any]) -> None:
        """Send ``message`` to every open page; a page that went away is dropped."""
        sockets = list(self.sockets)
        done = await asyncio.gather(
            *(ws.send_json(message) for ws in sockets), return_exceptions=True
        )
        for ws, result in zip(sockets, done, strict=True):
            if isinstance(result, BaseException):
                self.sockets.discard(ws)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _same_origin(request: Request) -> bool:
    """A POST from a page of this server (or a tool sending no Origin), not another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def create_app(workshop: Workshop, host: str = "127.0.0.1") -> FastAPI:
    """The ASGI app serving ``workshop``; ``host`` is where it listens (a local address
    turns the ``Host`` header check on)."""
    import jinja2

    stopping = threading.Event()  # set on shutdown: background drawing stops
    painters: list[threading.Thread] = []  # threads drawing figures after a close

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if workshop.resumed:  # rebuild the teams' models now, not at their first request
            warm = threading.Thread(target=workshop.warm_up, args=(stopping,), name="warm-up")
            warm.start()
            painters.append(warm)
        yield
        stopping.set()
        for painter in painters:  # no thread may be drawing while the interpreter exits
            await run_in_threadpool(painter.join, 30)

    app = FastAPI(
        title="simkit workshop", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # everything on a page is escaped: team names included
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates = Jinja2Templates(env=env)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(HostCheck, local_only=is_local(host))
    hub = Hub()
    app.state.workshop = workshop
    app.state.hub = hub
    app.state.stopping = stopping
    app.state.painters = painters

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def changed() -> None:
        await hub.publish(workshop.state().to_json())

    def page(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def refused(request: Request, error: WorkshopError, name: str, context: dict) -> Response:
        if _wants_json(request):
            return JSONResponse(error.to_json(), status_code=error.status)
        return page(request, name, {**context, "error": error.message}, error.status)

    def team_of(request: Request):  # -> TeamRow | None
        return workshop.team_for(request.cookies.get(TEAM_COOKIE))

    def instructor(request: Request) -> bool:
        return workshop.is_instructor(request.cookies.get(INSTRUCTOR_COOKIE))

    def joining(request: Request) -> dict[str, str]:
        """The join URL as the instructor's browser reaches this server (for the projector)."""
        return {"join_url": f"{request.base_url}?code={workshop.join_code}"}

    def cross_site() -> JSONResponse:
        return JSONResponse({"error": "refused: the request came from another site"}, 403)

    def login_needed(request: Request) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": "join the workshop first", "field": None}, 401)
        return RedirectResponse("/", status_code=303)

    # -- trainees ---------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def join_page(request: Request) -> Response:
        if team_of(request) is not None:
            return RedirectResponse("/team", status_code=303)
        code = request.query_params.get("code", "")
        return page(request, "join.html", {"code": code[:20], "name": "", "error": None})

    @app.post("/join")
    async def join(request: Request) -> Response:
        if not _same_origin(request):
            return cross_site()
        form = await request.form()
        code, name = str(form.get("code", "")), str(form.get("name", ""))
        key = str(form.get("key", "")) or None
        try:
            team, token = await run_in_threadpool(workshop.join, code, name, key)
        except WorkshopError as exc:
            return refused(
                request, exc, "join.html", {"code": code[:20], "name": name[:80], "error": None}
            )
        await changed()
        if _wants_json(request):
            response: Response = JSONResponse({"team": team.name, "id": team.id})
        else:
            response = RedirectResponse("/team", status_code=303)
        response.set_cookie(
            TEAM_COOKIE, token, httponly=True, samesite="lax", max_age=7 * 24 * 3600, path="/"
        )
        return response

    @app.post("/leave")
    async def leave(request: Request) -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(TEAM_COOKIE, path="/")
        return response

    @app.get("/team", response_class=HTMLResponse)
    async def team_page(request: Request) -> Response:
        team = team_of(request)
        if team is None:
            return login_needed(request)
        context = await run_in_threadpool(team_context, workshop, team)
        saved = request.query_params.get("saved") == "1"
        key = request.cookies.get(TEAM_COOKIE, "")
        return page(
            request, "team.html", {**context, "error": None, "saved": saved, "team_key": key}
        )

    @app.get("/team/fragment", response_class=HTMLResponse)
    async def team_fragment(request: Request) -> Response:
        team = team_of(request)
        if team is None:
            return login_needed(request)
        context = await run_in_threadpool(team_context, workshop, team)
        return page(request, "_team_state.html", context)

    @app.post("/team/decisions")
    async def submit(request: Request) -> Response:
        if not _same_origin(request):
            return cross_site()
        team = team_of(request)
        if team is None:
            return login_needed(request)
        form = dict((await request.form()).items())
        try:
            await run_in_threadpool(workshop.submit, team, form)
        except WorkshopError as exc:
            context = await run_in_threadpool(team_context, workshop, team, form)
            key = request.cookies.get(TEAM_COOKIE, "")
            return refused(request, exc, "team.html", {**context, "saved": False, "team_key": key})
        await changed()
        if _wants_json(request):
            number = workshop.state().round
            return JSONResponse({"ok": True, "round": number, "message": _saved(number)})
        return RedirectResponse("/team?saved=1", status_code=303)

    @app.post("/team/planned")
    async def planned(request: Request) -> Response:
        team = team_of(request)
        if team is None:
            return login_needed(request)
        form = dict((await request.form()).items())
        try:
            hours = await run_in_threadpool(workshop.planned, team, form)
        except WorkshopError as exc:
            return JSONResponse(exc.to_json(), status_code=exc.status)
        return JSONResponse(hours)

    @app.get("/team/plot/{metric}.png")
    async def team_plot(request: Request, metric: str) -> Response:
        team = team_of(request)
        if team is None:
            return login_needed(request)
        png = await run_in_threadpool(figure_png_for, workshop, metric, team)
        if png is None:
            return JSONResponse({"error": f"no figure of {metric!r} (yet)", "field": "metric"}, 404)
        return Response(png, media_type="image/png")

    # -- the instructor ---------------------------------------------------------------------

    @app.get("/instructor", response_class=HTMLResponse)
    async def instructor_page(request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:
            if not workshop.is_instructor(token):
                return page(request, "denied.html", {}, 403)
            response = RedirectResponse("/instructor", status_code=303)
            response.set_cookie(
                INSTRUCTOR_COOKIE, token, httponly=True, samesite="strict", path="/"
            )
            return response
        if not instructor(request):
            return page(request, "denied.html", {}, 403)
        context = await run_in_threadpool(instructor_context, workshop)
        return page(request, "instructor.html", {**context, "error": None, **joining(request)})

    @app.get("/instructor/fragment", response_class=HTMLResponse)
    async def instructor_fragment(request: Request) -> Response:
        if not instructor(request):
            return JSONResponse({"error": "instructor token needed", "field": "token"}, 403)
        context = await run_in_threadpool(instructor_context, workshop)
        return page(request, "_instructor_state.html", {**context, **joining(request)})

    @app.post("/instructor/{action}")
    async def control(request: Request, action: str) -> Response:
        if not _same_origin(request):
            return cross_site()
        if not instructor(request):
            return JSONResponse({"error": "instructor token needed", "field": "token"}, 403)
        actions = {
            "open": workshop.open_round,
            "close": workshop.close_round,
            "undo": workshop.undo_close,
        }
        try:
            if action == "settings":
                async with request.form(max_part_size=MAX_UPLOAD_BYTES) as form:
                    fields = dict(form.items())
                    upload = fields.pop("book", None)
                    book = await upload.read() if isinstance(upload, UploadFile) else b""
                overrides = settings_overrides(fields, book)
                await run_in_threadpool(workshop.update_settings, overrides)
                result: Any = {"settings": "saved"}
            elif action in actions:
                result = await run_in_threadpool(actions[action])  # simulation off the loop
            else:
                return JSONResponse({"error": f"no action {action!r}", "field": None}, 404)
        except WorkshopError as exc:
            context = await run_in_threadpool(instructor_context, workshop)
            return refused(request, exc, "instructor.html", {**context, **joining(request)})
        await changed()
        if action in ("close", "undo"):  # draw the new figures before the pages ask
            painter = threading.Thread(target=prerender, args=(workshop, stopping))
            painter.start()
            painters[:] = [p for p in painters if p.is_alive()] + [painter]
        if _wants_json(request):
            return JSONResponse({"ok": True, "action": action, "result": result})
        return RedirectResponse("/instructor", status_code=303)

    @app.get("/instructor/plot/{metric}.png")
    async def instructor_plot(request: Request, metric: str) -> Response:
        if not instructor(request):
            return JSONResponse({"error": "instructor token needed", "field": "token"}, 403)
        png = await run_in_threadpool(figure_png_for, workshop, metric, None)
        if png is None:
            return JSONResponse({"error": f"no figure of {metric!r} (yet)", "field": "metric"}, 404)
        return Response(png, media_type="image/png")

    # -- live updates -----------------------------------------------------------------------

    @app.get("/api/state")
    async def api_state() -> JSONResponse:
        return JSONResponse(workshop.state().to_json())

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        if team_of(socket) is None and not instructor(socket):  # type: ignore[arg-type]
            await socket.close(code=1008)
            return
        await socket.accept()
        hub.sockets.add(socket)
        try:
            await socket.send_json(workshop.state().to_json())
            while True:  # the page sends nothing but pings; we only need to notice it leave
                if (await socket.receive_text()) == "ping":
                    await socket.send_json({"type": "pong"})
        except WebSocketDisconnect:
            pass
        finally:
            hub.sockets.discard(socket)

    return app


def _saved(number: int) -> str:
    return (
        f"Saved for round {number}. You can change and save again until the instructor "
        "closes the round."
    )
