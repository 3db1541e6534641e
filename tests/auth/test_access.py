"""Who may open which staff page: every staff URL × every role."""
import pytest

SLUG = "access-exit"
ROLES = ("admin", "analyst", "interviewer", "anonymous")
ALL_STAFF = {"admin", "analyst", "interviewer"}

#: URL → the roles allowed in; the others get 403 (anonymous visitors are sent to sign in).
ACCESS = {
    "/staff/": ALL_STAFF,
    "/staff/surveys/": ALL_STAFF,
    "/staff/surveys/new": {"admin"},
    f"/staff/surveys/{SLUG}": ALL_STAFF,
    f"/staff/surveys/{SLUG}/texts/fr": {"admin"},
    f"/staff/surveys/{SLUG}/settings": {"admin"},
    f"/staff/surveys/{SLUG}/invitations/": {"admin"},
    "/staff/customers/": {"admin"},
    "/staff/users/": {"admin"},
    "/staff/users/invite": {"admin"},
    "/staff/responses": {"admin", "analyst"},
    f"/staff/surveys/{SLUG}/responses/import": {"admin", "analyst"},
    f"/staff/reports/?survey={SLUG}": {"admin", "analyst"},
    "/staff/reports/print": {"admin", "analyst"},
    f"/staff/reports/export/answers.csv?survey={SLUG}": {"admin", "analyst"},
    "/staff/reports/export/benchmark.xlsx": {"admin", "analyst"},
    "/staff/interviews": {"admin", "interviewer"},
    "/staff/interviews/mine": {"admin", "interviewer"},
    f"/staff/surveys/{SLUG}/interview": {"admin", "interviewer"},
}


def expected_status(url: str, role: str) -> int:
    if role == "anonymous":
        return 302
    return 200 if role in ACCESS[url] else 403


CASES = [pytest.param(url, role, expected_status(url, role), id=f"{role}:{url}")
         for url in ACCESS for role in ROLES]


@pytest.fixture
def survey(make_survey):
    """An open survey, so that the interview page can be used too."""
    return make_survey("exit", slug=SLUG)


@pytest.mark.parametrize("url, role, status", CASES)
def test_staff_page_access(client, login, survey, url, role, status):
    if role != "anonymous":
        login(role)
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    if status == 302:
        assert response.headers["Location"].startswith("/staff/login")
    elif status == 403:
        assert response.mimetype == "text/html"
        assert "<h1>" in response.text and "403" in response.text
        assert "Traceback" not in response.text
    elif ".csv" in url:
        assert response.mimetype == "text/csv"
    elif url.endswith(".xlsx"):
        assert response.data.startswith(b"PK")
    else:
        assert response.mimetype == "text/html"


@pytest.mark.parametrize("role", ["analyst", "interviewer"])
@pytest.mark.parametrize("url", [f"/staff/surveys/{SLUG}/open", f"/staff/surveys/{SLUG}/close",
                                 "/staff/surveys/new", f"/staff/surveys/{SLUG}/settings",
                                 f"/staff/surveys/{SLUG}/invitations/"])
def test_only_admins_may_change_surveys(client, login, survey, role, url):
    login(role)
    response = client.post(url, data={"slug": "hijacked", "template": "exit", "customer_ref": "X"})
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in_and_back(client, survey):
    response = client.get(f"/staff/reports/?survey={SLUG}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    assert "reports" in response.headers["Location"]
