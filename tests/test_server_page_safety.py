"""Pages show what the store holds, and with updates enabled a client decides what that is: a stored
``javascript:`` IRI must stay text, and every page carries a Content-Security-Policy and nosniff."""

from __future__ import annotations

TOKEN = {"Authorization": "Bearer s3cret-token"}


def test_hostile_iris_are_text_and_pages_carry_csp(store_copy) -> None:
    from server import create_app

    app = create_app({"STORE_PATH": str(store_copy), "ENABLE_UPDATES": True, "UPDATE_TOKEN": "s3cret-token",
                      "QUERY_WORKERS": 1, "ACCESS_LOG": False})  # fmt: skip
    client = app.test_client()
    insert = (
        "INSERT DATA { <https://w3id.org/dmkg/id/x> <http://www.w3.org/2000/01/rdf-schema#seeAlso> "
        "<javascript:alert(4)>, <data:text/html,hi>, <https://example.org/fine> ; "
        "<http://www.geneontology.org/formats/oboInOwl#hasDbXref> \"JS:alert(5)\" }"
    )
    try:
        done = client.post("/sparql", data=insert, content_type="application/sparql-update", headers=TOKEN)
        assert done.status_code == 204, done.text
        page = client.get("/id/x", headers={"Accept": "text/html"})
        assert page.status_code == 200
        html = page.text
        assert "javascript:alert(4)" in html and "data:text/html,hi" in html  # shown ...
        assert 'href="javascript:' not in html and 'href="data:text' not in html  # ... never linked
        assert 'href="https://example.org/fine"' in html
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self' 'nonce-" in policy
        assert "frame-ancestors 'none'" in policy
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        ui = client.get("/")
        nonce = ui.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        assert ui.text.count("<script>") == 0  # every inline script carries the nonce
        assert f'<script nonce="{nonce}">' in ui.text or "yasgui.min.js" not in ui.text
        for path in ("/sparql?query=ASK%20%7B%7D", "/health", "/queries", "/no-such-page"):
            assert client.get(path).headers["X-Content-Type-Options"] == "nosniff", path
    finally:
        app.extensions["dmkg_pool"].close()
