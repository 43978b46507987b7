#!/usr/bin/env bash
# with-pg.sh CMD...: run CMD with INTERLEAVE_PG_DSN pointing at a PostgreSQL
# server, in this order of preference:
#
#   1. INTERLEAVE_PG_DSN as exported by the caller, used as is;
#   2. the cluster of `make pg-up` (scripts/pg.sh up, recorded in .pg/ or
#      $PG_STATE_DIR), reused and left running;
#   3. a throwaway cluster of this invocation's own (scripts/pg.sh with a
#      fresh PG_STATE_DIR), stopped and deleted when CMD ends. No other
#      invocation sees it, so two of them (two `make test` in one checkout)
#      never share, or stop, each other's cluster.
#
# Without PostgreSQL, CMD still runs (the PostgreSQL tests then skip) unless
# CI is set, where a missing server is an error. The exit status is CMD's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${INTERLEAVE_PG_DSN:-}" ]; then
  exec "$@"
fi
if dsn=$(bash "$here/pg.sh" dsn 2>/dev/null); then
  export INTERLEAVE_PG_DSN="$dsn"
  exec "$@"
fi

if [ -n "${CI:-}" ]; then export INTERLEAVE_PG_INSTALL=1; fi
PG_STATE_DIR=$(mktemp -d /tmp/interleave-pgstate.XXXXXX)
export PG_STATE_DIR
# pg.sh down stops the cluster and deletes its data and PG_STATE_DIR; a
# failed up has removed its cluster already, so down only deletes the
# state directory then.
trap 'bash "$here/pg.sh" down || echo "with-pg.sh: could not stop the cluster recorded in $PG_STATE_DIR" >&2' EXIT
if line=$(bash "$here/pg.sh" up); then
  eval "$line"
elif [ -n "${CI:-}" ]; then
  echo "with-pg.sh: could not start PostgreSQL, and CI needs it" >&2
  exit 1
else
  echo "with-pg.sh: no PostgreSQL here; the PostgreSQL tests will skip (see README: make pg-up)" >&2
fi
"$@"
