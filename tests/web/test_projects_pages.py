"""The 项目 pages (issue 12) over the small demo: /projects and /projects/{id} with their .json twins, the demo's
calibration (365 projects in 2024, 215 strategic), any past date, XLSX in 督办 layout, the chain page's
projects, and with accounts on: an editor records a stage through the CSRF-protected form, a 招商清单 row
becomes a 线索 in one click, a visitor sees aggregates only, a district analyst writes in their own district."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient

from .conftest import app_with_accounts, sign_in

STAGES = ["lead", "talks", "signed", "registered", "land", "started", "production", "full"]
PASSWORDS = {"chen": "chen-password-1", "li": "li-password-1", "zhao": "zhao-password-1"}
HTML = {"Accept": "text/html"}


def test_the_page_and_its_twin(client) -> None:
    page = client.get("/projects")
    assert page.status_code == 200
    html = page.text
    assert "示例数据" in html and 'data-provenance="synthetic"' in html
    assert re.findall(r'<tr data-stage="(\w+)">', html.split('id="funnel-table"')[1].split("</table>")[0]) == STAGES
    assert 'href="/projects"' in html.split('<nav class="nav"')[1].split("</nav>")[0]  # in the nav
    model = client.get("/projects.json").json()
    assert model["synthetic"] is True and model["provenance"] == "synthetic"
    assert set(model["tables"]) == {"project_funnel", "project_funnel_district", "project_funnel_node",
                                    "project_funnel_year", "project_durations", "project_stalled", "project_strategic",
                                    "project_investment_district", "project_investment_node", "project_landed",
                                    "project_list"}
    funnel = model["tables"]["project_funnel"]["rows"]
    assert [r["stage"] for r in funnel] == STAGES
    assert funnel[0]["projects"] == {"value": 1035, "unit": "count", "provenance": "synthetic"}  # 330 + 365 + 340
    strategic = {r["year"]: r for r in model["tables"]["project_strategic"]["rows"]}
    # the article: 365 industrial projects in 2024, nearly 60% strategic emerging or advanced manufacturing
    assert strategic[2024]["projects"]["value"] == 365 and strategic[2024]["strategic"]["value"] == 215
    assert round(strategic[2024]["share"]["value"], 1) == 58.9
    assert model["total"] == 1035 and len(model["tables"]["project_list"]["rows"]) == 100
    assert 'id="kpi-strategic" data-year="2025"' in html


def test_any_past_date_and_the_filters(client) -> None:
    past = client.get("/projects.json", params={"as_of": "2023-12-31"}).json()
    assert past["as_of"] == "2023-12-31"
    assert past["tables"]["project_funnel"]["rows"][0]["projects"]["value"] == 330  # only 2023's had entered
    year = client.get("/projects.json", params={"year": 2024}).json()
    assert year["total"] == 365
    leads = client.get("/projects.json", params={"stage": "lead"}).json()
    assert {r["stage"] for r in leads["tables"]["project_list"]["rows"]} == {"lead"}
    assert client.get("/projects.json", params={"as_of": "2024-02-30"}).status_code == 422
    assert client.get("/projects.json", params={"district": "Atlantis"}).status_code == 404
    assert client.get("/projects/NOPE.json").status_code == 404


def test_english(client) -> None:
    try:
        html = client.get("/projects?lang=en").text
    finally:
        client.cookies.delete("lang")  # the page remembers the language: the shared client goes back to Chinese
    funnel = html.split('id="funnel-table"')[1].split("</table>")[0]
    assert "<td>construction started</td>" in funnel and "开工" not in funnel
    for card in ("projects-funnel", "projects-durations", "projects-strategic", "projects-kpis", "projects-form"):
        part = html.split(f'id="{card}"')[1].split("</section>")[0].split("</form>")[0]
        assert not re.search(r"[\u3400-\u9fff（）、]", part), card  # no Chinese outside names
    assert '<span class="badge badge-synthetic" data-provenance="synthetic">Synthetic demo data</span>' in html


def test_a_project_page(client) -> None:
    rows = client.get("/projects.json", params={"stage": "started"}).json()["tables"]["project_list"]["rows"]
    row = next(r for r in rows if r["investor_uscc"])
    model = client.get(f"/projects/{row['id']}.json").json()
    assert model["id"] == row["id"] and model["synthetic"] is True
    stages = [h["stage"] for h in model["history"]["rows"]]
    assert stages[-1] == "started" and stages == sorted(stages, key=STAGES.index)
    assert model["firm"] == row["investor_uscc"]  # the demo's investors come from its registry
    html = client.get(f"/projects/{row['id']}").text
    assert f'href="/enterprise/{row["investor_uscc"]}"' in html and "示例数据" in html
    assert len(re.findall(r'<tr data-stage="', html.split('id="history-table"')[1])) == len(stages)
    # on the day of its first change the project was at its first stage
    first = model["history"]["rows"][0]
    past = client.get(f"/projects/{row['id']}.json", params={"as_of": first["happened_on"]}).json()
    assert past["project"]["rows"][0]["stage"] == first["stage"]
    assert [h["after"] for h in past["history"]["rows"]][1:] == [True] * (len(stages) - 1)


def test_xlsx_supervision_sheet(client) -> None:
    got = client.get("/projects", params={"format": "xlsx", "table": "project_supervision", "year": 2024,
                                                    "lang": "zh"})
    assert got.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "序号")
    assert list(header[:6]) == ["序号", "项目名称", "投资主体", "总投资（亿元）", "所在区", "所属产业"]
    assert sum(1 for r in rows[rows.index(header) + 1:] if isinstance(r[0], int)) == 365
    assert any("示例数据" in str(r[0]) for r in rows[:3] if r and r[0])


def test_the_chain_page_shows_its_projects(client) -> None:
    model = client.get("/chains/icv-nev.json").json()
    assert model["projects"]["name"] == "project_chain_nodes"
    assert sum(r["projects"]["value"] for r in model["projects"]["rows"]) >= 1
    assert 'id="chain-projects"' in client.get("/chains/icv-nev").text


@pytest.fixture(scope="module")
def accounts_app(web_db, tmp_path_factory):
    from chanye.framework import load_pack

    city = load_pack(None).city
    home = city.districts[5].code
    roles = {"chen": ("city_analyst", None), "li": ("district_analyst", home), "zhao": ("visitor", None)}
    app = app_with_accounts(web_db, tmp_path_factory.mktemp("projects-auth"), roles, PASSWORDS)
    app.state.home = home
    yield app
    app.state.ctx.store.close()


def csrf(c: TestClient, url: str = "/projects") -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', c.get(url, headers=HTML).text).group(1)


def test_an_editor_records_a_stage_through_the_form(accounts_app) -> None:
    chen = sign_in(accounts_app, "chen", PASSWORDS["chen"], "/projects")
    rows = chen.get("/projects.json", params={"stage": "signed"}).json()["tables"]["project_list"]["rows"]
    pid = rows[0]["id"]
    page = chen.get(f"/projects/{pid}", headers=HTML).text
    assert 'id="stage-form"' in page and 'name="csrf_token"' in page
    refused = chen.post(f"/projects/{pid}/stage", data={"stage": "started", "date": "2026-01-15"},
                        follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    token = csrf(chen, f"/projects/{pid}")
    bad = chen.post(f"/projects/{pid}/stage", data={"csrf_token": token, "stage": "production", "date": "2026-01-15"},
                    headers=HTML, follow_redirects=False)
    assert bad.status_code == 422 and "不能记为 投产 production" in bad.text
    done = chen.post(f"/projects/{pid}/stage", data={"csrf_token": token, "stage": "started", "date": "2026-01-15",
                                                     "note": "桩基施工"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/projects/{pid}?done=stage")
    history = chen.get(f"/projects/{pid}.json").json()["history"]["rows"]
    assert (history[-1]["stage"], history[-1]["happened_on"], history[-1]["recorded_by"], history[-1]["note"]) == (
        "started", "2026-01-15", "chen", "桩基施工")


def test_a_recruitment_row_becomes_a_lead_in_one_click(accounts_app) -> None:
    chen = sign_in(accounts_app, "chen", PASSWORDS["chen"], "/projects")
    page = chen.get("/projects", params={"chain": "icv-nev"}, headers=HTML).text
    uscc = re.search(r'<tr data-uscc="([^"]+)">', page.split('id="targets-table"')[1]).group(1)
    token = csrf(chen)
    area = {"stage": "lead", "district": accounts_app.state.home}
    before = chen.get("/projects.json", params=area).json()["total"]
    done = chen.post("/projects/from-target", data={"csrf_token": token, "chain": "icv-nev", "uscc": uscc,
                                                    "district": accounts_app.state.home}, follow_redirects=False)
    assert done.status_code == 303 and "done=created" in done.headers["location"]
    pid = done.headers["location"].split("/projects/")[1].split("?")[0]
    model = chen.get(f"/projects/{pid}.json").json()
    assert model["recommendation"]["list"] == "recruitment" and model["recommendation"]["chain"] == "icv-nev"
    assert model["project"]["rows"][0]["stage"] == "lead" and model["project"]["rows"][0]["source"] == "recruitment_list"
    assert chen.get("/projects.json", params=area).json()["total"] == before + 1  # in the pipeline
    again = chen.post("/projects/from-target", data={"csrf_token": token, "chain": "icv-nev", "uscc": uscc},
                      follow_redirects=False)
    assert "done=exists" in again.headers["location"]
    assert 'class="is-lead"' in chen.get("/projects", params={"chain": "icv-nev"}, headers=HTML).text


def test_visitor_and_district_analyst(accounts_app) -> None:
    zhao = sign_in(accounts_app, "zhao", PASSWORDS["zhao"], "/projects")
    page = zhao.get("/projects", headers=HTML)
    assert page.status_code == 200 and 'id="projects-visitor"' in page.text and 'id="projects-table"' not in page.text
    model = zhao.get("/projects.json").json()
    full = sign_in(accounts_app, "chen", PASSWORDS["chen"], "/projects").get("/projects.json").json()
    assert model["tables"]["project_list"]["rows"] == [] and model["tables"]["project_stalled"]["rows"] == []
    assert model["tables"]["project_funnel"]["rows"] == full["tables"]["project_funnel"]["rows"]  # the aggregates
    any_id = full["tables"]["project_list"]["rows"][0]["id"]
    assert zhao.get(f"/projects/{any_id}.json").status_code == 403
    li = sign_in(accounts_app, "li", PASSWORDS["li"], "/projects")
    rows = li.get("/projects.json", params={"stage": "lead"}).json()["tables"]["project_list"]["rows"]
    other = next(r for r in rows if r["district_code"] != accounts_app.state.home)
    own = next(r for r in rows if r["district_code"] == accounts_app.state.home)
    token = csrf(li)
    refused = li.post(f"/projects/{other['id']}/stage", data={"csrf_token": token, "stage": "talks",
                                                               "date": "2026-02-01"}, headers=HTML)
    assert refused.status_code == 403 and "本区的区级分析" in refused.text
    assert 'id="project-read-only"' in li.get(f"/projects/{other['id']}", headers=HTML).text
    ok = li.post(f"/projects/{own['id']}/stage", data={"csrf_token": token, "stage": "talks", "date": "2026-02-01"},
                 follow_redirects=False)
    assert ok.status_code == 303


def test_controls_follow_the_page_language(client) -> None:
    # no browser date picker (mm/dd/yyyy in the browser's language) and no English "OK" on the Chinese pages
    page = client.get("/projects").text
    pid = client.get("/projects.json").json()["tables"]["project_list"]["rows"][0]["id"]
    one = client.get(f"/projects/{pid}").text
    for html in (page, one):
        assert 'type="date"' not in html and ">OK<" not in html
    field = re.search(r'<input type="text" name="as_of" id="projects-as-of"[^>]*>', page).group(0)
    assert 'lang="zh-CN"' in field and 'placeholder="年-月-日，如 2025-06-30"' in field
    assert 'pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}"' in field
    assert '<button class="btn" type="submit">查看</button>' in page
    en = client.get("/projects", params={"lang": "en"}).text
    assert 'placeholder="YYYY-MM-DD, e.g. 2025-06-30"' in en and '<button class="btn" type="submit">Show</button>' in en
    client.get("/projects", params={"lang": "zh"})  # back to Chinese for the tests after this one (a cookie)


def test_published_investment_beside_the_projects(client) -> None:
    model = client.get("/projects.json").json()
    rows = model["context"]["rows"]
    by_year = {r["year"]: r for r in model["tables"]["project_funnel_year"]["rows"] if r["stage"] == "lead"}
    assert len(rows) == 1
    r = rows[0]
    # the 2024 demo projects (365, as the article counts) beside the reported 工业投资 of 2024: > 1700亿元, +13.6%
    assert (r["year"], r["projects"]["value"], r["metric"], r["comparison"]) == (2024, 365, "industrial_investment", ">")
    assert r["investment"] == {"value": round(by_year[2024]["investment"]["value"], 2), "unit": "yi_yuan",
                               "provenance": "synthetic"}
    assert r["published"]["value"] == 1700 and r["published"]["unit"] == "yi_yuan"
    assert r["published"]["provenance"] == "netease-haopin-2025"  # the published cell names its source
    assert r["growth"]["value"] == 13.6 and r["source_title"] == "广州，好拼！"
    assert r["source_url"] == "https://www.163.com/dy/article/JNTV4RBH0519B9KP.html"
    html = client.get("/projects", params={"lang": "zh"}).text  # the language sticks (a cookie): ask for Chinese
    line = html.split('id="projects-context"')[1].split("</section>")[0]
    assert "2024年入库项目的总投资（本平台示例数据）" in line and "公布的工业投资超过1,700 亿元，增长 13.6%（《广州，好拼！》）" in line
    assert "口径不同" in line


def test_a_recruitment_row_becomes_a_lead_from_the_chain_page(accounts_app) -> None:
    chen = sign_in(accounts_app, "chen", PASSWORDS["chen"], "/projects")
    page = chen.get("/chains/icv-nev", headers=HTML).text
    table = page.split('id="recruitment"')[1].split("</table>")[0]
    assert "<th>线索</th>" in table
    form = re.search(r'<tr data-uscc="([^"]+)">(?:(?!</tr>).)*<form method="post" action="/projects/from-target\?lang=zh"'
                     r' class="to-lead"><input type="hidden" name="csrf_token" value="([^"]+)">', table, re.S)
    uscc, token = form.group(1), form.group(2)
    assert token == csrf(chen, "/chains/icv-nev")
    done = chen.post("/projects/from-target", data={"csrf_token": token, "chain": "icv-nev", "uscc": uscc},
                     follow_redirects=False)
    assert done.status_code == 303 and "done=created" in done.headers["location"]
    pid = done.headers["location"].split("/projects/")[1].split("?")[0]
    model = chen.get(f"/projects/{pid}.json").json()
    assert model["recommendation"]["list"] == "recruitment" and model["recommendation"]["chain"] == "icv-nev"
    # the chain page now links the row to its project; the visitor gets no form
    after = chen.get("/chains/icv-nev", headers=HTML).text.split('id="recruitment"')[1].split("</table>")[0]
    row = re.search(rf'<tr data-uscc="{uscc}">(?:(?!</tr>).)*</tr>', after, re.S).group(0)
    assert f'<a class="is-lead" href="/projects/{pid}">' in row and "to-lead\"" not in row
    zhao = sign_in(accounts_app, "zhao", PASSWORDS["zhao"], "/projects")
    assert 'class="to-lead"' not in zhao.get("/chains/icv-nev", headers=HTML).text
