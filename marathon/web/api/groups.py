"""Groups that come back: a group and its marathons, edition by edition (public)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from ... import domain
from ...domain import groups
from ...domain.names import display_name
from ...store import NotFound, store


def get_group(group_id: str) -> Response:
    """Publish a group: name, type, city, region, country, and its marathons by edition
    with totals. Nothing private: no host, no participant. Only verified marathons are
    listed (anyone may register under a group's name: what the national office has not
    verified is not the group's history), their titles through the public mask."""
    gid = domain.public_id(group_id, "group_id")
    marathons = [m for m in store().marathons_of_group(gid) if m["state"] == "verified"]
    if not marathons:
        raise NotFound("group")
    return jsonify(group_document(gid, marathons, store().editions(), domain.now_ms()))


def group_document(gid: str, marathons: list[dict[str, Any]],
                   editions: list[dict[str, Any]], now: int) -> dict[str, Any]:
    """Shape a group's public document (described as `groups.description` says)."""
    g = groups.description(marathons)
    by_edition: dict[str, list[dict[str, Any]]] = {}
    for m in marathons:
        by_edition.setdefault(m["edition_id"], []).append(m)
    out = []
    for edition in editions:  # newest year first
        listed = by_edition.get(edition["id"])
        if not listed:
            continue
        out.append({
            "edition_id": edition["id"], "year": edition.get("year"),
            "title": edition.get("title", ""),
            "total": sum(m["total"] for m in listed if m["state"] == "verified"),
            "marathons": [{
                "id": m["id"], "title": display_name(m["title"]), "state": m["state"],
                "status": domain.status(m["starts"], m["ends"], m["closed"], now),
                "starts_at": domain.from_ms(m["starts"], m["timezone"]).isoformat(),
                "total": m["total"], "report": f"/m/{m['id']}/report",
            } for m in listed],
        })
    return {"id": gid, "name": display_name(str(g.get("name") or "")),
            "type": g.get("type", "other"), "city": g.get("city", ""),
            "region": g.get("region", ""), "country": g.get("country", ""),
            "editions": out}
