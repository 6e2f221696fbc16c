"""The checks the build and `dmkg check`/`dmkg validate` run, apart from the code that builds.

Source checks (source_checks, quotes, hpo_check) read the curated files; release checks (validate
orchestrating owlapi_check, hermit and qc; shacl) read what the build made. They return plain data
(problems, findings) and never import the build, the server or the command line.
"""
