"""Chart images in Polish and Russian, charts with nothing to draw, and the printable report."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from survey_app.reports.services import CHARTS

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["pl", "ru"])
@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_renders_png_and_svg_in_polish_and_russian(analyst, big_dataset, name, lang, recwarn):
    png = analyst.get(f"/staff/reports/chart/{name}.png?lang={lang}")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(PNG)
    svg = analyst.get(f"/staff/reports/chart/{name}.svg?lang={lang}&download=1")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert svg.headers["Content-Disposition"] == f"attachment; filename={name}.svg"
    # No missing glyphs: matplotlib warns when the font lacks Polish or Cyrillic letters.
    assert not [w for w in recwarn if "missing from font" in str(w.message).lower()]


def test_charts_follow_the_language(analyst, big_dataset):
    polish = analyst.get("/staff/reports/chart/trend.svg?lang=pl").data
    russian = analyst.get("/staff/reports/chart/trend.svg?lang=ru").data
    assert polish != russian


@pytest.mark.parametrize("name", CHARTS)
def test_no_chart_without_data(analyst, name):
    assert analyst.get(f"/staff/reports/chart/{name}.png").status_code == 404
    assert analyst.get(f"/staff/reports/chart/{name}.svg").status_code == 404


def _too_few(make_survey, respond, customer, invite):
    respond(make_survey("exit"), "indifference", times=29)


def _one_kind_only(make_survey, respond, customer, invite):
    respond(make_survey("exit"), "indifference", times=40)
    respond(make_survey("loyalty"), "competitor", times=29)


def _no_cause(make_survey, respond, customer, invite):
    respond(make_survey("exit"), None, times=3)


def _anonymous(make_survey, respond, customer, invite):
    respond(make_survey("exit"), "indifference", times=35, customer=customer())  # a customer without revenue


def _answers_only(make_survey, respond, customer, invite):
    respond(make_survey("exit"), "indifference", times=35, customer=customer(status="lost", lost_at=date(2024, 1, 2)))


@pytest.mark.parametrize("name, build", [
    ("benchmark", _too_few),
    ("groups", _too_few),
    ("kinds", _one_kind_only),
    ("trend", _no_cause),
    ("revenue", _anonymous),
    ("reach", _answers_only),  # a lost customer with an address who was never invited is not unreachable
])
def test_no_chart_when_there_is_nothing_to_draw(analyst, make_survey, respond, customer, invite, name, build):
    build(make_survey, respond, customer, invite)
    assert analyst.get(f"/staff/reports/chart/{name}.png").status_code == 404
    assert "/chart/" + name not in analyst.get("/staff/reports/").text


@pytest.mark.parametrize("path", ["/staff/reports/chart/pie.png", "/staff/reports/chart/trend.gif",
                                  "/staff/reports/chart/trend.png?survey=nope"])
def test_unknown_charts_formats_and_surveys_are_404(analyst, big_dataset, path):
    assert analyst.get(path).status_code == 404


# -- the printable report --------------------------------------------------------------------------

SECTIONS = ("benchmark", "groups", "kinds", "trend", "revenue", "reach")


def test_print_page_has_every_table_every_chart_and_the_filter(analyst, big_dataset):
    response = analyst.get("/staff/reports/print?survey=exit-big&survey=loyal-big&period=week")
    assert response.status_code == 200
    page = response.text
    for section in SECTIONS:
        assert f'<table class="table" id="table-{section}">' in page, section
    images = [unescape(src) for src in re.findall(r'<img src="([^"]+)"', page)]
    assert sorted(re.search(r"/chart/(\w+)\.svg\?", src).group(1) for src in images) == sorted(CHARTS)
    for src in images:  # the charts carry the filter, and the browser gets them
        assert "survey=exit-big&survey=loyal-big" in src and "period=week" in src
        image = analyst.get(src)
        assert image.status_code == 200 and image.mimetype == "image/svg+xml", src
    assert '<p class="muted">Surveys: exit-big, loyal-big</p>' in page
    assert "/export/" not in page  # no download links on paper
    assert "Week of May 20, 2024" in page  # the trend table by week


def test_print_page_spells_out_every_filter(analyst, big_dataset, manager):
    boss = manager("Marta Manager")
    page = analyst.get(f"/staff/reports/print?survey=exit-big&kind=exit&since=2024-03-01&until=2024-05-31&locale=pl"
                       f"&segment=SMB&manager={boss.id}&channel=email").text
    summary = re.search(r'<p class="muted">(.*?)</p>', page).group(1)
    assert unescape(summary) == ("Surveys: exit-big · Exit survey · from Mar 1, 2024 to May 31, 2024 · Polish · "
                                 "segment SMB · account manager Marta Manager · Email invitation")
    for section in ("benchmark", "groups", "kinds", "revenue", "reach"):
        assert f'id="table-{section}"' in page


def test_print_page_of_no_answers_still_shows_the_tables(analyst):
    page = analyst.get("/staff/reports/print").text
    assert "<img" not in page and "All surveys" in page
    for section in ("benchmark", "groups", "kinds", "revenue", "reach"):
        assert f'id="table-{section}"' in page
    assert "No classified answers in this period." in page


def test_dashboard_tables_match_the_big_data_set(analyst, big_dataset):
    page = analyst.get("/staff/reports/?survey=exit-big").text
    assert "41 responses" in page and "40 classified answers" in page and "1 not classified yet" in page
    assert "/chart/kinds.png" not in page  # no loyalty answers among those shown
    page = analyst.get("/staff/reports/").text
    assert "77 responses" in page and "76 classified answers" in page
    assert all(f"/chart/{name}.png" in page for name in CHARTS)
    assert 'id="table-trend"' in page and "March 2024" in page and "May 2024" in page
