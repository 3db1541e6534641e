"""A form sent with a problem: a summary at the top links to each question at fault, the message sits at the
question (not after its options), only that question is marked, and "* required" is explained once."""
import re

from tests.conftest import answer_data


def test_an_empty_form_gets_a_summary_linking_to_the_question_at_fault(client, make_survey):
    survey = make_survey("exit")
    page = client.post(f"/s/o/{survey.slug}?lang=fr", data={})
    assert page.status_code == 400
    text = page.text
    summary = re.search(r'<div class="error-summary"[^>]*>.*?</div>', text, re.S).group(0)
    assert 'tabindex="-1"' in summary and "autofocus" in summary and 'role="alert"' in summary
    main = next(q for q in survey.questions if q.type.value == "main_reason")
    assert f'href="#{main.field_name}-0"' in summary and "Veuillez choisir une réponse." in summary
    assert summary.count("<li>") == 1  # only the required question that was left empty
    # The message sits at the question, before its options; the first option is the link's target.
    message_at = text.index(f'id="{main.field_name}-errors"')
    first_option_at = text.index(f'id="{main.field_name}-0"')
    assert message_at < first_option_at
    assert text.count("has-error") == 1


def test_a_valid_answer_beside_a_wrong_one_is_kept_and_not_marked(client, make_survey):
    survey = make_survey("exit")
    data = answer_data(survey, free_text="Trop cher", scale_0_10="42")
    page = client.post(f"/s/o/{survey.slug}", data=data)
    assert page.status_code == 400 and "Trop cher" in page.text
    summary = re.search(r'<div class="error-summary"[^>]*>.*?</div>', page.text, re.S).group(0)
    assert summary.count("<li>") == 2  # the main reason (required) and the scale (out of range)
    assert page.text.count("has-error") == 2


def test_the_required_marker_is_explained_once_and_stays_on_the_labels_line(client, make_survey):
    survey = make_survey("exit")
    page = client.get(f"/s/o/{survey.slug}").text
    assert page.count("Questions marked * are required.") == 1
    assert '&nbsp;<span class="req" aria-hidden="true">*</span>' in page
    assert "error-summary" not in page
