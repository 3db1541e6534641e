"""What features tell each other (blinker signals): a writer says what changed, subscribers decide what follows.

Receivers run at once, in the sender's transaction, so what they write commits or rolls back with the change.
Connected by :func:`survey_app.factory.register_signals`.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Counted answers changed other than by new responses arriving (reviews, reclassification, imported answers);
#: ``response_ids``: the responses whose existing answers changed (their cause is copied again), if any.
answers_changed = _signals.signal("answers-changed")
#: Details of existing customers changed (edits, imports); ``customer_ids``: who.
customer_changed = _signals.signal("customer-changed")
#: A customer is being erased on request; sent before their record goes. ``customer_id``: who. Receivers return
#: how many of the customer's responses they kept anonymously (an int), or None. Receivers run in no set order, so
#: none deletes what another may look the customer's data up by: their invitations (with drafts and earlier
#: links) go with the record itself, by the database's ON DELETE CASCADE, once every receiver has run.
customer_erasing = _signals.signal("customer-erasing")
#: Purchases were recorded; ``customer_ids``: whose.
purchase_recorded = _signals.signal("purchase-recorded")
#: A survey's definition, texts, settings or state changed; ``survey_id``: which.
survey_changed = _signals.signal("survey-changed")
#: Catalogue reasons were added or changed.
reasons_changed = _signals.signal("reasons-changed")
#: A response was stored and committed (sent after its transaction, so receivers write in their own);
#: ``response_id``: which, ``consent``: its customer answered yes to "May we contact you?".
response_stored = _signals.signal("response-stored")
#: A new classifier model version was stored.
model_changed = _signals.signal("model-changed")
#: The sorting job gave pending answers their cause (in its transaction); ``response_ids``: whose answers.
responses_classified = _signals.signal("responses-classified")
#: Customers became lost, found by lost-customer detection or marked by staff (in the writer's transaction);
#: ``customer_ids``: who.
customer_lost = _signals.signal("customer-lost")
#: Lost customers bought again after their lost date and are returned now (in the writer's transaction);
#: ``customer_ids``: who.
customer_returned = _signals.signal("customer-returned")
#: Follow-up tasks were opened, by themselves or by staff (in the writer's transaction); ``followup_ids``: which.
followup_created = _signals.signal("followup-created")
