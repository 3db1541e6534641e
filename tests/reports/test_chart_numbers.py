"""Charts write percentages as the reader's language does, like the tables beside them (Babel's format)."""
import pytest
from flask_babel import force_locale

from survey_app.reports import charts
from survey_app.reports.services import percent


def recorder():
    seen = []

    def fmt(share: float) -> str:
        seen.append(round(share, 4))
        return f"<{share:.2f}>"
    return seen, fmt


@pytest.mark.parametrize("draw", [
    lambda p: charts.paired_bars("t", ["a", "b"], [0.25, 0.5], [0.1, 0.2], ("x", "y"), "axis", percent=p),
    lambda p: charts.grouped_bars("t", ["a"], [("x", [0.25], [(0.2, 0.3)], "#000")], "axis", percent=p),
    lambda p: charts.share_panels("t", [("h", ["a", "b"], [0.25, None], ["1 of 4", ""])], "axis", percent=p),
])
def test_bar_labels_use_the_given_percent_format(draw):
    seen, fmt = recorder()
    assert draw(fmt)[:4] == b"\x89PNG"
    assert 0.25 in seen


def test_axis_ticks_of_lines_use_it_too():
    seen, fmt = recorder()
    charts.ratio_lines("t", ["Q1", "Q2"], {"all": [5.0, 10.0]}, "axis", percent=fmt)
    assert any(0 < s <= 0.2 for s in seen)


@pytest.mark.parametrize("locale, text", [("en", "25%"), ("fr", "25\u00a0%"), ("pl", "25%"), ("ru", "25\u00a0%")])
def test_the_reports_percent_is_babels(app, locale, text):
    with app.test_request_context(), force_locale(locale):
        assert percent(0.25) == text
