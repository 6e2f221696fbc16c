"""The field's exchange formats, each read from the built store with SPARQL (sources -> build -> store ->
exports) and each checked by the tool its community uses: GA4GH Phenopacket, KGX/Biolink, SSSOM."""
