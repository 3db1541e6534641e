"""Classification as background work: answers stored while there was no model are sorted by a periodic job,
which trains the first model from the shipped examples if none exists yet."""
from __future__ import annotations

from datetime import timedelta

from ..jobs.models import Job
from ..jobs.runner import JobRun, handler
from ..jobs.schedule import periodic
from .services import classify_backlog, unsorted_answers


@handler("classify_unsorted")
def run_classify_unsorted(_job: Job, _run: JobRun) -> dict:
    """Sort the free-text answers no model has seen; nothing is trained or loaded when there are none."""
    if not unsorted_answers():
        return {"answers": 0}
    return classify_backlog(only_unsorted=True)


periodic("classify-unsorted", timedelta(minutes=1), "classify_unsorted")
