"""dmkg: ontology, curated evidence and the pyoxigraph store built from them."""
