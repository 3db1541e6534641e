"""The webhooks page (admins): endpoints, their events, secrets, switches, a test event and the delivery log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..auth.models import Role
from ..extensions import db
from ..formutil import ConfirmForm
from . import events as event_data
from .forms import EVENT_LABELS, STATE_LABELS, URL_MESSAGES, EventsForm, WebhookForm
from .models import Webhook, WebhookDelivery
from .rules import UrlRefused
from .services import (
    NoEvents,
    allow_private,
    create_webhook,
    delete_webhook,
    deliveries_of,
    list_webhooks,
    rotate_secret,
    send_again,
    send_test,
    set_enabled,
    update_webhook,
)

bp = Blueprint("webhooks", __name__, url_prefix="/staff/webhooks", template_folder="templates")

#: Deliveries the log shows.
SHOWN = 100


def _index(form: WebhookForm, status: int = 200):
    return render_template("webhooks/index.html", webhooks=list_webhooks(), form=form, event_labels=EVENT_LABELS,
                           allow_private=allow_private()), status


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """Every endpoint with its events and state, and the form adding one."""
    return _index(WebhookForm())


@bp.post("/")
@role_required(Role.ADMIN)
def add():
    """Register an endpoint; a refused URL keeps what was typed and says why."""
    form = WebhookForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    try:
        webhook = create_webhook(form.url.data, form.events.data, form.description.data or "", current_user.id)
    except UrlRefused as error:
        db.session.rollback()
        form.url.errors.append(str(URL_MESSAGES.get(error.code, URL_MESSAGES["webhook_url_malformed"])))
        return _index(form, 400)
    except NoEvents:
        db.session.rollback()
        form.events.errors.append(_("Please choose at least one event."))
        return _index(form, 400)
    db.session.commit()
    flash(_("The endpoint was added. Use its signing secret to verify the deliveries."), "success")
    return redirect(url_for(".show", webhook_id=webhook.id))


def _show(webhook: Webhook, form: EventsForm | None = None, status: int = 200):
    form = form or EventsForm(data={"events": list(webhook.events or []), "description": webhook.description})
    return render_template("webhooks/show.html", webhook=webhook, form=form, confirm=ConfirmForm(),
                           deliveries=deliveries_of(webhook.id, SHOWN), event_labels=EVENT_LABELS,
                           state_labels=STATE_LABELS), status


@bp.get("/<int:webhook_id>")
@role_required(Role.ADMIN)
def show(webhook_id: int):
    """An endpoint: its secret, events, switches and delivery log."""
    return _show(db.get_or_404(Webhook, webhook_id))


@bp.post("/<int:webhook_id>")
@role_required(Role.ADMIN)
def edit(webhook_id: int):
    """Change the events an endpoint gets and its description."""
    webhook = db.get_or_404(Webhook, webhook_id)
    form = EventsForm()
    if not form.validate_on_submit():
        return _show(webhook, form, 400)
    try:
        update_webhook(webhook, form.events.data, form.description.data or "")
    except NoEvents:
        db.session.rollback()
        form.events.errors.append(_("Please choose at least one event."))
        return _show(webhook, form, 400)
    db.session.commit()
    flash(_("The endpoint’s events were saved."), "success")
    return redirect(url_for(".show", webhook_id=webhook.id))


def _confirmed(webhook_id: int) -> Webhook:
    webhook = db.get_or_404(Webhook, webhook_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return webhook


@bp.post("/<int:webhook_id>/enable")
@role_required(Role.ADMIN)
def enable(webhook_id: int):
    """Switch an endpoint on (its failures are forgotten)."""
    webhook = _confirmed(webhook_id)
    set_enabled(webhook, True)
    db.session.commit()
    flash(_("The endpoint is enabled."), "success")
    return redirect(url_for(".show", webhook_id=webhook.id))


@bp.post("/<int:webhook_id>/disable")
@role_required(Role.ADMIN)
def disable(webhook_id: int):
    """Switch an endpoint off: nothing is delivered to it until it is enabled again."""
    webhook = _confirmed(webhook_id)
    set_enabled(webhook, False)
    db.session.commit()
    flash(_("The endpoint is disabled."), "success")
    return redirect(url_for(".show", webhook_id=webhook.id))


@bp.post("/<int:webhook_id>/rotate")
@role_required(Role.ADMIN)
def rotate(webhook_id: int):
    """Give an endpoint a new signing secret."""
    webhook = _confirmed(webhook_id)
    rotate_secret(webhook)
    db.session.commit()
    flash(_("The endpoint has a new signing secret; the old one no longer works."), "success")
    return redirect(url_for(".show", webhook_id=webhook.id))


@bp.post("/<int:webhook_id>/test")
@role_required(Role.ADMIN)
def test(webhook_id: int):
    """Send the endpoint a test event now; its result shows in the delivery log."""
    webhook = _confirmed(webhook_id)
    send_test(webhook, event_data.test_event(webhook.id))
    db.session.commit()
    flash(_("A test event is on its way; reload the page to see how the endpoint answered."), "success")
    return redirect(url_for(".show", webhook_id=webhook.id))


@bp.post("/<int:webhook_id>/deliveries/<int:delivery_id>/again")
@role_required(Role.ADMIN)
def again(webhook_id: int, delivery_id: int):
    """Try a delivery again now (one more attempt), e.g. once the endpoint is fixed."""
    webhook = _confirmed(webhook_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        abort(404)
    if send_again(delivery):
        db.session.commit()
        flash(_("The event is sent again; reload the page to see how the endpoint answered."), "success")
    else:
        db.session.rollback()
        flash(_("This event was delivered or is being sent; it is not sent again."), "error")
    return redirect(url_for(".show", webhook_id=webhook.id))


@bp.post("/<int:webhook_id>/delete")
@role_required(Role.ADMIN)
def delete(webhook_id: int):
    """Remove an endpoint and its delivery log."""
    webhook = _confirmed(webhook_id)
    delete_webhook(webhook)
    db.session.commit()
    flash(_("The endpoint was deleted."), "success")
    return redirect(url_for(".index"))
