"""复核 (issue 11): the classification review queue at /review (+ /review.json). Each queued firm shows its
business scope and the top-3 suggested 小类 with evidence; an analyst confirms one or corrects it to another
class. The forms post here with the session's CSRF token (web/auth.py checks it, as for the admin forms); no
inline script (the CSP forbids it). A decision is stored as a manual label and the firm is re-classified at
once (services.review.decide).
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from chanye.classify.reader import THRESHOLD
from chanye.present import labels
from chanye.present import tables as present
from chanye.present.explain import reader_check_lines
from chanye.services import review
from chanye.services.access import require_import
from chanye.web.auth import viewer
from chanye.web.i18n import lang_of, translator
from chanye.web.pages import code_words, render

router = APIRouter(include_in_schema=False)
LATEST_LABELS = 50  # the labels shown under the queue, newest first; the XLSX holds them all


@router.get("/review", response_class=HTMLResponse)
@router.get("/review.json")
def review_page(request: Request, done: str | None = Query(None, max_length=20),
                page: int = Query(1, ge=1, le=1_000_000), per_page: int = Query(50, ge=1, le=500),
                order: str = Query("probability", max_length=20)):
    """The queue, lowest probability first, one page at a time (LIMIT/OFFSET in SQL; the XLSX download holds
    all of it), with the analysts' labels so far."""
    require_import(viewer(request))
    ctx = request.app.state.ctx
    lang = lang_of(request)
    whole = request.query_params.get("format") == "xlsx"
    # the download is the whole queue, as a sheet to fill in (services.review.queue_sheet); the page one page of it
    queued = review.queue(ctx, limit=0 if whole else per_page, offset=(page - 1) * per_page, order=order)
    total = queued.meta["total"]
    pages = max(1, -(-total // per_page))
    decided = review.labels(ctx) if whole else review.labels(ctx, latest=LATEST_LABELS)
    check = review.reader_check(ctx)  # how far the probabilities can be trusted on this registry (issue 11)
    model = {"queue": present.payload(queued, lang, total=total, page=page, pages=pages, per_page=per_page),
             "labels": present.payload(decided, lang), "threshold": THRESHOLD, "reader_check": check}
    return render(request, "review.html", section="review", title=translator(lang)("review_title"), model=model,
                  json_links=[], twin=True, tables={"queue": review.queue_sheet(ctx, order) if whole else queued,
                                                    "labels": decided}, queued=queued.rows,
                  total=total, page=page, pages=pages, order=order,
                  decided=decided.rows, threshold=THRESHOLD, done=bool(done),
                  check_lines=reader_check_lines(check, lang) if check else [],
                  check_batch=check["batch"] if check else None,
                  col=lambda key: labels.column(key, lang), **code_words(lang))


@router.post("/review/{uscc}")
def review_decide(request: Request, uscc: str, action: str = Form(..., max_length=20),
                  code: str = Form("", max_length=20), note: str = Form("", max_length=500)):
    """Confirm (code = the suggestion) or correct (code typed by the analyst); then back to the queue."""
    who = viewer(request)
    review.decide(request.app.state.ctx, uscc, code.strip(), action=action, viewer=who, note=note)
    return RedirectResponse(f"/review?done=1&lang={lang_of(request)}", status_code=303)
