#!/bin/sh
# Test stand-in for a mongodump that never finishes: writes its PID next to itself, says something on
# stderr, then becomes (exec) a long sleep, so killing this PID is what ends it.
# answers --version like mongo-tools 100.10.0 does (the engine checks it at start-up)
if [ "${1:-}" = --version ]; then printf 'mongodump version: 100.10.0\ngit version: 6d4f001be3fc\n'; exit 0; fi
dir=$(dirname "$0")
echo $$ > "$dir/pid.txt"
echo "2025-01-01T00:00:00.000+0000	dumping shop.orders ..." >&2
exec sleep 120
