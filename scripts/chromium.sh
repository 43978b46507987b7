#!/usr/bin/env bash
# chromium.sh - Debian's Chromium for interleave's browser tests (package
# timeline's page, driven by chromedp).
#
#   scripts/chromium.sh check     say which browser the tests will use; when
#                                 there is none, install it if asked (below),
#                                 else say how and let the tests skip
#   scripts/chromium.sh install   install it now (apt-get install -y chromium)
#
# The browser is $INTERLEAVE_CHROMIUM, else chromium or chromium-browser on
# PATH. `check` installs a missing browser with apt-get when
# INTERLEAVE_CHROMIUM_INSTALL=1 or under CI (CI set), where a browser that
# cannot be installed is an error: the browser tests must run there. It
# does nothing when a browser is already there.
set -euo pipefail
prog=chromium.sh

find_browser() {
	if [[ -n "${INTERLEAVE_CHROMIUM:-}" ]]; then
		command -v -- "$INTERLEAVE_CHROMIUM" 2>/dev/null && return 0
		return 1
	fi
	command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

install() {
	local sudo=""
	if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
	echo "$prog: installing Debian's chromium with apt-get" >&2
	if ! { $sudo apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >&2; then
		echo "$prog: error: apt-get install -y chromium failed" >&2
		return 1
	fi
	if ! find_browser >/dev/null; then
		echo "$prog: error: chromium is still not on PATH after apt-get install" >&2
		return 1
	fi
}

case "${1:-}" in
check)
	if path=$(find_browser); then
		echo "$prog: the browser tests use $path" >&2
		exit 0
	fi
	if [[ -n "${INTERLEAVE_CHROMIUM:-}" ]]; then
		echo "$prog: error: INTERLEAVE_CHROMIUM=$INTERLEAVE_CHROMIUM is not an executable" >&2
		exit 1
	fi
	if [[ "${INTERLEAVE_CHROMIUM_INSTALL:-}" == 1 || -n "${CI:-}" ]]; then
		install
		echo "$prog: the browser tests use $(find_browser)" >&2
		exit 0
	fi
	echo "$prog: no Chromium here; the browser tests will skip (make chromium, or apt-get install -y chromium)" >&2
	;;
install)
	if path=$(find_browser); then
		echo "$prog: $path is already there" >&2
		exit 0
	fi
	install
	;;
*)
	echo "usage: $prog check | install" >&2
	exit 2
	;;
esac
