"""Public and staff pages live in separate blueprints: a respondent's link never shares one with a staff page."""
from collections import defaultdict


def _blueprint(app, rule):
    name = rule.endpoint.rpartition(".")[0]
    return app.blueprints.get(name) if name else None


def test_every_public_route_belongs_to_a_public_blueprint(app):
    public = [r for r in app.url_map.iter_rules() if r.rule.startswith("/s/")]
    assert {r.endpoint for r in public} >= {"respond.answer", "respond.open_link", "respond.optout", "respond.thanks"}
    for rule in public:
        bp = _blueprint(app, rule)
        assert bp is not None and bp.url_prefix == "/s", rule
        assert bp.import_name.endswith(".public"), rule


def test_every_staff_route_belongs_to_a_staff_blueprint(app):
    staff = [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/")]
    assert "responses.index" in {r.endpoint for r in staff}
    for rule in staff:
        bp = _blueprint(app, rule)
        assert bp is not None and (bp.url_prefix or "").startswith("/staff"), rule
        assert not bp.import_name.endswith(".public"), rule


def test_no_blueprint_serves_both_public_and_staff_pages(app):
    areas = defaultdict(set)
    for rule in app.url_map.iter_rules():
        area = "public" if rule.rule.startswith("/s/") else "staff" if rule.rule.startswith("/staff/") else "other"
        areas[rule.endpoint.rpartition(".")[0]].add(area)
    mixed = {name: sorted(kinds) for name, kinds in areas.items() if {"public", "staff"} <= kinds}
    assert mixed == {}
