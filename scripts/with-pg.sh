#!/usr/bin/env bash
# with-pg.sh CMD...: run CMD with INTERLEAVE_PG_DSN pointing at a throwaway
# PostgreSQL cluster (scripts/pg.sh). A cluster already running (make pg-up)
# is reused and left running; one started here is stopped afterwards.
# Without PostgreSQL, CMD still runs (the PostgreSQL tests then skip) unless
# CI is set, where a missing server is an error.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
started=0
if dsn=$(bash "$here/pg.sh" dsn 2>/dev/null); then
  export INTERLEAVE_PG_DSN="$dsn"
else
  if [ -n "${CI:-}" ]; then export INTERLEAVE_PG_INSTALL=1; fi
  if line=$(bash "$here/pg.sh" up); then
    eval "$line"
    started=1
  elif [ -n "${CI:-}" ]; then
    echo "with-pg.sh: could not start PostgreSQL, and CI needs it" >&2
    exit 1
  else
    echo "with-pg.sh: no PostgreSQL here; the PostgreSQL tests will skip (see README: make pg-up)" >&2
  fi
fi
if [ "$started" = 1 ]; then trap 'bash "$here/pg.sh" down' EXIT; fi
"$@"
