"""Editions: the list, case cards, the compare table, curves and exports."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, stream_with_context
from flask_babel import gettext

from ... import domain
from ...domain import compare
from ...domain.editions import case_cards
from ...live.snapshots import edition_snapshot
from ...store import store
from .. import exports
from ..auth import current_account, login_required
from ..errors import ApiError
from ..helpers import int_arg, page_language


def list_editions() -> Response:
    """List the campaign editions with their cases."""
    items = store().editions()
    current = store().current_edition_id()
    return jsonify({"editions": items, "current": current})


def edition_live(eid: str) -> Response:
    """Publish an edition's live totals: its snapshot, as the edition screen gets it
    (verified marathons only, names masked), for sites that show them their own way."""
    return jsonify(edition_snapshot(store(), eid, domain.now_ms()))


def edition_regions(eid: str) -> Response:
    """Publish an edition's region shapes for the live map ({country: FeatureCollection})."""
    store().edition(eid)  # 404 for an unknown edition
    resp = jsonify({"edition_id": eid, "regions": store().region_shapes(eid)})
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


def edition_cases(eid: str) -> Response:
    """Publish an edition's case cards in one language (``?lang=`` any of the app's languages)."""
    cards = case_cards(store().edition(eid), page_language())
    resp = jsonify(cards)
    resp.headers["Content-Language"] = cards["lang"]
    resp.headers["Vary"] = "Accept-Language, Cookie"
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


def _query(edition: dict[str, Any], public: bool) -> compare.Query:
    args = request.args
    case_ids = tuple(c["id"] for c in edition.get("cases", []))
    sort = args.get("sort", "total")
    if sort not in compare.sortable(case_ids, public):
        raise ApiError(400, "invalid", gettext("This column cannot be sorted on."), "sort")
    order = args.get("order", "desc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "invalid", gettext("Order is asc or desc."), "order")
    status = args.get("status", "")
    if status and status not in compare.STATUSES:
        raise ApiError(400, "invalid", gettext("Status is scheduled, running or ended."),
                       "status")
    kind = args.get("type", "")
    if kind and kind not in domain.GROUP_TYPES:
        raise ApiError(400, "invalid", gettext("Type must be one of: %(types)s.",
                                               types=", ".join(domain.GROUP_TYPES)), "type")
    countries = frozenset(c.strip().upper() for c in args.get("country", "").split(",")
                          if c.strip())
    return compare.Query(
        country=countries, region=args.get("region", "").strip()[:120], type=kind,
        status=status, q=args.get("q", "")[:120], sort=sort, desc=order == "desc",
        page=int_arg("page", 1, 1, 1_000_000),
        per_page=int_arg("per_page", 50, 1, compare.PER_PAGE_MAX),
        public=public, case_ids=case_ids)


def compare_marathons(eid: str) -> Response:
    """The compare table: public columns for anyone, every column for coordinators."""
    edition = store().edition(eid)
    public = current_account() is None
    query = _query(edition, public)
    charts = request.args.get("charts") == "1" and not public
    body = compare.table(store().compare_index(eid), query, domain.now_ms(), with_charts=charts)
    body["edition"] = eid
    body["public"] = public
    return jsonify(body)


@login_required
def curves(eid: str) -> Response:
    """Hourly counts of a few marathons, aligned on hours since their start (coordinator)."""
    store().edition(eid)
    index = store().compare_index(eid)
    ids = [i for i in request.args.get("ids", "").split(",") if i in index.rows][:12]
    out = [{"id": mid, "group": index.rows[mid]["group"]["name"], "hourly": hourly}
           for mid, hourly in store().hourly_counts(index.rows, ids)]
    return jsonify({"edition": eid, "curves": out})


@login_required
def export(eid: str, fmt: str) -> Response:
    """Download an edition's numbers as CSV or JSON (coordinator)."""
    edition = store().edition(eid)
    kind = request.args.get("kind", "marathons")
    if kind not in exports.KINDS:
        raise ApiError(400, "invalid", gettext("Kind is marathons, cases, hours or teams."), "kind")
    sep = request.args.get("sep", ",")
    if sep not in exports.SEPARATORS:
        raise ApiError(400, "invalid", gettext("The separator is , or ;."), "sep")
    now = domain.now_ms()
    items = exports.records(kind, store(), edition, now)
    name = f"{eid}-{kind}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Cache-Control": "no-store"}
    if fmt == "json":
        resp = jsonify(exports.json_document(kind, edition, items, now))
        resp.headers.update(disposition)
        return resp
    case_ids = [c["id"] for c in edition.get("cases", [])]
    chunks = exports.csv_chunks(exports.fields(kind, case_ids), items, sep)
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers=disposition, content_type="text/csv; charset=utf-8")
