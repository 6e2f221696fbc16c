#!/usr/bin/env bash
# Installs what dmkg needs outside Python; idempotent, quiet when everything is there.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
# The OWL API checker (ontology/checker/, run by `dmkg validate`) is compiled with javac against Debian's OWL API 5.
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
[ -f /usr/share/java/owlapi-distribution.jar ] || need+=(libowlapi-java)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
