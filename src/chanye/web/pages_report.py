"""GET /report.pdf and /report.docx: the monitoring report (产业发展监测报告, `chanye.report`) with the same
parameters as `chanye report` (period, node, district, lang). The 生成报告 button of the overview, cluster and
district pages links here (templates/_report_button.html). Each file is rendered once per data generation and
parameters; the scoreboard and chains it reads are the server's cached ones."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chanye.report import document, render
from chanye.web.i18n import lang_of
from chanye.web.schemas import responses

router = APIRouter(tags=["report"])

PERIOD = r"^\d{4}([Qq][1-4]|-?\d{1,2})?$"


def _declared(fmt: str) -> dict:
    """The route's responses: its file's media type (binary) instead of JSON, and the app's error bodies."""
    out = responses(json=False, not_found=True, error_page=True)  # a browser gets errors as the error page
    out[200] = {"description": f"产业发展监测报告 {fmt.upper()} (the monitoring report)",
                "content": {render.MEDIA_TYPES[fmt]: {"schema": {"type": "string", "format": "binary"}}}}
    return out


def _report(request: Request, fmt: str, period: str | None, node: str | None, district: str | None,
            lang: str | None) -> Response:
    ctx = request.app.state.ctx
    lang = lang or lang_of(request)

    def build() -> tuple[bytes, str]:
        doc = document.build(ctx, period, node=node or None, district=district or None, lang=lang)
        return render.render(doc, fmt), doc.title

    data, title = ctx.cached(("report", fmt, period, node, district, lang), build)
    stem = f"{title}-{period or 'latest'}"
    disposition = f"attachment; filename=\"chanye-report-{period or 'latest'}.{fmt}\"; filename*=UTF-8''{quote(stem)}.{fmt}"
    return Response(data, media_type=render.MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})


PeriodQuery = Query(None, pattern=PERIOD, description="报告期: 2024、2024Q4 或 2024-12 (default the latest year)")
NodeQuery = Query(None, max_length=64, description="节点 id (a node and what is under it)")
DistrictQuery = Query(None, max_length=32, description="区: 名称、简称或代码 (a district)")
LangQuery = Query(None, pattern=r"^(zh|en)$", description="zh 或 en (default the page language)")


@router.get("/report.pdf", response_class=Response, responses=_declared("pdf"),
            summary="产业发展监测报告 PDF (the monitoring report as PDF)")
def report_pdf(request: Request, period: str | None = PeriodQuery, node: str | None = NodeQuery,
               district: str | None = DistrictQuery, lang: str | None = LangQuery) -> Response:
    return _report(request, "pdf", period, node, district, lang)


@router.get("/report.docx", response_class=Response, responses=_declared("docx"),
            summary="产业发展监测报告 Word (the monitoring report as .docx)")
def report_docx(request: Request, period: str | None = PeriodQuery, node: str | None = NodeQuery,
                district: str | None = DistrictQuery, lang: str | None = LangQuery) -> Response:
    return _report(request, "docx", period, node, district, lang)
