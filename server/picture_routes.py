"""The pictures at their own URLs: ``/pictures/timeline/…`` and ``/pictures/mechanism/…`` as SVG or PNG."""

from __future__ import annotations

from flask import Blueprint, Response

from server.build_cache import cached
from server.errors import NotFoundError
from server.pictures import mechanism_svg, node_of, timeline_svg

bp = Blueprint("pictures", __name__)


def _svg_or_png(svg: str | None, what: str, local: str, png: bool) -> Response:
    if svg is None:
        raise NotFoundError(f"No {what} for /{local}.")
    if not png:
        document = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
        return Response(document, content_type="image/svg+xml; charset=utf-8")
    import cairosvg

    data = cached(f"{what}-png", local, lambda: cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=1.5))
    return Response(data, content_type="image/png")


# each picture: what it shows (in a 404) and what draws it from the entity's IRI
PICTURES = {"timeline": ("treatment timeline", timeline_svg), "mechanism": ("mechanism graph", mechanism_svg)}


@bp.get("/pictures/<any(timeline, mechanism):kind>/<path:local>.<any(svg, png):suffix>")
def picture(kind: str, local: str, suffix: str) -> Response:
    what, draw = PICTURES[kind]
    iri, _ = node_of(local)
    return _svg_or_png(draw(iri), what, local, png=suffix == "png")
