#!/usr/bin/env bash
# Installs what dmkg needs outside Python; idempotent, quiet when everything is there.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
# The OWL API checker (ontology/checker/, run by `dmkg validate`) is compiled with javac against Debian's OWL API 5.
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
[ -f /usr/share/java/owlapi-distribution.jar ] || need+=(libowlapi-java)
# The endpoint's headless-browser UI test (tests/test_ui_browser.py) drives Debian's Chromium.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The mechanism graph is laid out by Graphviz's dot (server/mechanism.py); it brings the Cairo library CairoSVG uses.
command -v dot >/dev/null 2>&1 || need+=(graphviz)
# server/README.md's curl examples are executed by tests/test_server_real_graph.py.
command -v curl >/dev/null 2>&1 || need+=(curl)
# `dmkg publish` and `dmkg serve --backend` are tested against Virtuoso 7 (tests/test_virtuoso.py).
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# YASGUI for the endpoint's query UI (served from local files) and playwright-core for its browser test.
bash "$(dirname "$0")/../server/vendor-yasgui.sh"
