"""Every count in the dashboard's tables links to the responses behind it: following each link lists as many
responses as the count says, whatever the filter (surveys, kind, dates, language, segment, account manager)."""
import html
import re
from datetime import datetime

import pytest

TABLES = ("table-benchmark", "table-groups", "table-kinds", "table-trend")


def linked_counts(page: str) -> list[tuple[str, int]]:
    found = []
    for table in TABLES:
        body = re.search(rf'<table class="table" id="{table}">(.*?)</table>', page, re.S).group(1)
        for href, number in re.findall(r'<td class="num"><a href="([^"]+)">([\d,]+)</a>', body):
            found.append((html.unescape(href), int(number.replace(",", ""))))
    return found


def listed(client, href: str) -> int:
    page = client.get(href)
    assert page.status_code == 200, href
    return int(re.search(r"<p>(\d+) responses?</p>", page.text).group(1))


@pytest.fixture
def answers(make_survey, respond, customer, manager):
    exit_a, exit_b, loyalty = make_survey("exit"), make_survey("exit"), make_survey("loyalty")
    boss = manager("Boss")
    smb, big = customer(segment="SMB", manager=boss), customer(segment="Enterprise")
    respond(exit_a, "indifference", times=5, customer=smb)
    respond(exit_a, "competitor", times=3, customer=big, locale="fr")
    respond(exit_b, "dissatisfaction", times=4, customer=smb, at=datetime(2024, 2, 1, 9, 0))
    respond(exit_b, "circumstances", times=2)
    respond(loyalty, "indifference", times=6, customer=big)
    respond(loyalty, "relationship", times=2, customer=smb, channel="email")
    respond(exit_a, None, times=2)  # no cause yet: counted nowhere above
    return {"exit_a": exit_a.slug, "exit_b": exit_b.slug, "boss": boss.id}


@pytest.mark.parametrize("query", [
    "", "kind=exit", "since=2024-03-01&until=2024-12-31", "locale=fr", "segment=SMB", "manager={boss}",
    "survey={exit_a}&survey={exit_b}", "survey={exit_b}&kind=exit&segment=SMB", "channel=email",
])
def test_each_count_lists_as_many_responses(analyst, answers, query):
    page = analyst.get("/staff/reports/?" + query.format(**answers))
    assert page.status_code == 200
    counts = linked_counts(page.text)
    assert len(counts) >= 13  # five buckets, three groups, five exit and five loyalty cells
    assert any(n for _href, n in counts)
    for href, number in counts:
        assert listed(analyst, href) == number, href


def test_a_link_shows_how_the_list_is_narrowed_and_keeps_it_when_refiltered(analyst, answers):
    href = dict((h, n) for h, n in linked_counts(analyst.get(
        f"/staff/reports/?segment=SMB&kind=exit&survey={answers['exit_a']}&survey={answers['exit_b']}").text))
    group_link = next(h for h in href if "group=company" in h)
    page = analyst.get(group_link).text
    assert "Narrowed as on the dashboard:" in page and "segment SMB" in page
    assert '<input type="hidden" name="segment" value="SMB">' in page
    assert f'<input type="hidden" name="survey" value="{answers["exit_b"]}">' in page
